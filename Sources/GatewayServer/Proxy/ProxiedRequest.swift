import Dialects
import GatewayModel
import Privacy
import Routing

/// What the proxy does differently per family of API — the chat APIs (``InboundChat``) and the
/// others (``InboundOperation``): read the request for personal data, and prepare the exchange
/// with one target. Routing, admission, fallback, hedging and metering are the same for all.
protocol ProxiedRequest: InboundRequest {
    /// The decoded request, as personal-data screening reads and masks it.
    associatedtype Decoded: PersonalDataMasking
    /// The request decoded for screening (the chat APIs decode on demand; operations already have).
    func decoded() throws(GatewayError) -> Decoded
    /// The exchange with `target`, or nil when its provider's dialect can't take the request.
    /// - Parameters:
    ///   - masked: the screening whose masked copy this target must get instead of the original.
    ///   - decoded: the decoded request once a target has needed it, kept across attempts.
    func exchange(with target: RouteTarget, masked: PersonalDataScreening<Decoded>?, decoded: inout Decoded?)
        throws(GatewayError) -> Exchange?
}
