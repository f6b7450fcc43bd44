import Dialects
import GatewayConfig
import GatewayModel
import Hummingbird
import Metering
import Privacy
import Routing

/// One attempt, ready to go: the target, the exchange with it, the decision headers.
struct PreparedAttempt: Sendable {
    let target: RouteTarget
    let exchange: Exchange
    let headers: HTTPFields
    /// Headers of the caller's that go to this provider (``ForwardedHeaders``).
    let upstreamHeaders: [(name: String, value: String)]
    let meter: AttemptMeter
}

/// A plan's targets turned into attempts one at a time, in plan order; the request is decoded
/// once, the first time a target needs translation or masking.
///
/// Routing already left out targets whose circuit was open when it planned; a circuit that
/// opened since (other requests failing meanwhile) is skipped here and remembered for the
/// final error.
struct AttemptQueue<Inbound: ProxiedRequest> {
    let inbound: Inbound
    let plan: RoutePlan
    let gateway: Gateway
    let screening: PersonalDataScreening<Inbound.Decoded>?
    let key: AuthenticatedKey
    let requestID: String
    let charge: RequestCharge?
    let forwarded: ForwardedHeaders
    let trail: RequestTrail?
    var decoded: Inbound.Decoded?
    /// Whether the masked values were counted (once per request, on its first masked attempt).
    private var maskingCounted = false
    private var position = 0
    /// Attempts handed out so far (`x-switchyard-attempts` counts them).
    private(set) var started = 0
    private(set) var skipped: [ExcludedTarget] = []

    init(
        inbound: Inbound, plan: RoutePlan, gateway: Gateway, screening: PersonalDataScreening<Inbound.Decoded>?,
        decoded: Inbound.Decoded?,
        key: AuthenticatedKey, requestID: String, charge: RequestCharge?, forwarded: ForwardedHeaders, trail: RequestTrail?
    ) {
        self.trail = trail
        self.forwarded = forwarded
        self.inbound = inbound
        self.plan = plan
        self.gateway = gateway
        self.screening = screening
        self.key = key
        self.requestID = requestID
        self.charge = charge
        self.decoded = decoded
    }

    /// The next attempt, or nil when the plan is exhausted. Throws only for the client's own
    /// mistakes (a request that doesn't decode, a parameter a provider must refuse).
    mutating func next() throws(GatewayError) -> PreparedAttempt? {
        while position < plan.targets.count {
            let target = plan.targets[position]
            position += 1
            guard gateway.endpoints[target.provider.name] != nil else {
                skipped.append(ExcludedTarget(target.reference, .providerUnavailable("no client configured")))
                continue
            }
            if case .refused(let reason, let retryAfter, let rateLimited) = gateway.health.admit(target.reference) {
                skipped.append(
                    ExcludedTarget(target.reference, .circuitOpen(reason: reason, retryAfterSeconds: retryAfter, rateLimited: rateLimited)))
                continue
            }
            guard let attempt = try prepare(target, number: started + 1) else { continue }
            started += 1
            trail?.update { $0.attempts += 1 }
            return attempt
        }
        return nil
    }

    /// The answer when every target was skipped: the plan's refusal, with what was skipped.
    var exhausted: GatewayError {
        var remaining = plan
        remaining.targets = []
        remaining.excluded += skipped
        return remaining.refusal(model: inbound.model)
    }

    private func meter(_ target: RouteTarget, number: Int, masking: Bool, span: TraceSpan?) -> AttemptMeter {
        let currency = gateway.configuration.currency
        return AttemptMeter(
            meter: gateway.meter, metrics: gateway.metrics, trail: trail, span: span, charge: charge, id: "\(requestID)-\(number)",
            requestID: requestID, number: number, key: key,
            route: plan.routeName,
            target: target, dialectIn: Inbound.dialectName, operation: Inbound.operation, streamed: inbound.stream,
            estimatedPromptTokens: inbound.routingFacts.promptTokens, estimatedSearches: inbound.routingFacts.searches,
            reportingCurrency: currency.reportingCurrency,
            rates: gateway.moneyRates[target.reference]
                ?? MoneyRates(price: target.offering.price, fxRate: currency.rates[target.offering.price.currency]),
            policy: plan.policies.joined(separator: ","),
            piiMasked: masking ? screening?.maskedCount ?? 0 : 0)
    }

    private mutating func prepare(_ target: RouteTarget, number: Int) throws(GatewayError) -> PreparedAttempt? {
        var headers = RequestProxy.headers(plan: plan, target: target, attempts: number)
        let masking = screening?.guards(target) ?? false
        var (upstreamHeaders, droppedHeaders) = forwarded.upstream(for: target.provider.dialect)
        guard let exchange = try inbound.exchange(with: target, masked: masking ? screening : nil, decoded: &decoded) else {
            return nil
        }
        if masking, let screening {
            headers[.switchyardPII] = screening.headerValue
            if !maskingCounted {
                maskingCounted = true
                gateway.metrics?.recordMasked(screening.vault.countsByKind)
            }
        }
        if !exchange.dropped.isEmpty, target.provider.unsupportedParameters == .reject {
            throw GatewayError.invalidRequest(
                "Provider '\(target.provider.name)' (\(target.provider.dialect.rawValue)) cannot honour: \(exchange.dropped.joined(separator: ", ")).",
                parameter: exchange.dropped[0], code: "unsupported_parameter")
        }
        // A header that can't travel is named, never refused: it asks for a feature, it isn't one.
        let dropped = exchange.dropped + droppedHeaders
        if !dropped.isEmpty { headers[.switchyardDropped] = dropped.joined(separator: ",") }
        var span: TraceSpan?
        if let tracing = gateway.tracing, let parent = trail?.span {
            let (attemptSpan, traceHeaders) = tracing.startAttempt(
                under: parent, operation: Inbound.operation.rawValue, provider: target.provider.name,
                model: target.offering.upstreamName, number: number)
            span = attemptSpan
            upstreamHeaders += traceHeaders
        }
        return PreparedAttempt(
            target: target, exchange: exchange, headers: headers, upstreamHeaders: upstreamHeaders,
            meter: meter(target, number: number, masking: masking, span: span))
    }
}
