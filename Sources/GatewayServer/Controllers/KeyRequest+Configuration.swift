import Foundation
public import GatewayConfig
public import Metering

extension KeyRequest {
    /// The key's record, checked against what `configuration` declares: its tenants (or only
    /// `tenants`, when given), its routes, and the currencies that convert to the reporting one.
    /// The CLI, the admin API and the console all check a key's terms this way.
    public func record(
        for key: VirtualKey, under configuration: GatewayConfiguration, tenants: [String]? = nil
    ) throws(KeyRequestError) -> VirtualKeyRecord {
        try record(
            for: key, tenants: tenants ?? configuration.tenants.map(\.name), routes: configuration.routes.map(\.name),
            converts: { configuration.currency.convert(1, from: $0) != nil })
    }
}
