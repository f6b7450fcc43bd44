import Dialects
import GatewayConfig
import GatewayModel
import Hummingbird
import Metering
import Routing

/// One upstream call, ready to go: the target, the bytes for it, the decision headers.
struct PreparedAttempt: Sendable {
    let target: RouteTarget
    let exchange: Exchange
    /// The provider endpoint the bytes go to (translated requests always go to chat).
    let operation: UpstreamOperation
    let headers: HTTPFields
    /// Headers of the caller's that go to this provider (``ForwardedHeaders``).
    let upstreamHeaders: [(name: String, value: String)]
    let meter: AttemptMeter
}

/// A plan's targets turned into attempts one at a time, in plan order; the request is decoded
/// into the canonical model once, the first time a target needs translation or masking.
///
/// Routing already left out targets whose circuit was open when it planned; a circuit that
/// opened since (other requests failing meanwhile) is skipped here and remembered for the
/// final error.
struct AttemptQueue<Inbound: InboundChat> {
    let inbound: Inbound
    let plan: RoutePlan
    let gateway: Gateway
    let screening: PersonalDataScreening?
    let key: AuthenticatedKey
    let requestID: String
    let charge: RequestCharge?
    let forwarded: ForwardedHeaders
    var canonical: ChatRequest?
    private var position = 0
    /// Attempts handed out so far (`x-switchyard-attempts` counts them).
    private(set) var started = 0
    private(set) var skipped: [ExcludedTarget] = []

    init(
        inbound: Inbound, plan: RoutePlan, gateway: Gateway, screening: PersonalDataScreening?, canonical: ChatRequest?,
        key: AuthenticatedKey, requestID: String, charge: RequestCharge?, forwarded: ForwardedHeaders
    ) {
        self.forwarded = forwarded
        self.inbound = inbound
        self.plan = plan
        self.gateway = gateway
        self.screening = screening
        self.key = key
        self.requestID = requestID
        self.charge = charge
        self.canonical = canonical
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

    private func meter(_ target: RouteTarget, number: Int, masking: Bool) -> AttemptMeter {
        let currency = gateway.configuration.currency
        return AttemptMeter(
            meter: gateway.meter, charge: charge, id: "\(requestID)-\(number)", requestID: requestID, key: key, route: plan.routeName,
            target: target, dialectIn: Inbound.dialectName, operation: Inbound.passThroughOperation, streamed: inbound.stream,
            estimatedPromptTokens: inbound.routingFacts.promptTokens, reportingCurrency: currency.reportingCurrency,
            rates: gateway.moneyRates[target.reference]
                ?? MoneyRates(price: target.offering.price, fxRate: currency.rates[target.offering.price.currency]),
            policy: plan.policies.joined(separator: ","),
            piiMasked: masking ? screening?.maskedCount ?? 0 : 0)
    }

    private mutating func prepare(_ target: RouteTarget, number: Int) throws(GatewayError) -> PreparedAttempt? {
        var headers = ChatProxy.headers(plan: plan, target: target, attempts: number)
        let masking = screening?.guards(target) ?? false
        let meter = meter(target, number: number, masking: masking)
        let (upstreamHeaders, droppedHeaders) = forwarded.upstream(for: target.provider.dialect)
        if target.provider.dialect == Inbound.format, target.provider.serves(Inbound.passThroughOperation), !masking {
            let body = inbound.passThroughBody(
                upstreamModel: target.offering.upstreamName, requestStreamUsage: target.provider.streamUsage)
            if !droppedHeaders.isEmpty { headers[.switchyardDropped] = droppedHeaders.joined(separator: ",") }
            return PreparedAttempt(
                target: target, exchange: .passThrough(body), operation: Inbound.passThroughOperation, headers: headers,
                upstreamHeaders: upstreamHeaders, meter: meter)
        }
        guard var dialect = ProviderDialects.dialect(for: target.provider.dialect) else { return nil }
        // Decode once, encode per target. A request the client got wrong is the client's
        // error, not a reason to try the next provider.
        if canonical == nil { canonical = try inbound.canonical() }
        var request = canonical!
        if masking, let screening {
            request = screening.masked
            dialect = screening.outbound(dialect)
            headers[.switchyardPII] = screening.headerValue
        }
        let outbound = try dialect.encode(
            request, upstreamModel: target.offering.upstreamName,
            defaults: OutboundDefaults(
                maxOutputTokens: target.provider.defaultMaxTokens, requestStreamUsage: target.provider.streamUsage,
                reasons: target.offering.capabilities.contains(.reasoning)))
        // A header that can't travel is named, never refused: it asks for a feature, it isn't one.
        let dropped = outbound.dropped + droppedHeaders
        if !outbound.dropped.isEmpty {
            if target.provider.unsupportedParameters == .reject {
                throw GatewayError.invalidRequest(
                    "Provider '\(target.provider.name)' (\(target.provider.dialect.rawValue)) cannot honour: \(outbound.dropped.joined(separator: ", ")).",
                    parameter: outbound.dropped[0], code: "unsupported_parameter")
            }
        }
        if !dropped.isEmpty { headers[.switchyardDropped] = dropped.joined(separator: ",") }
        return PreparedAttempt(
            target: target, exchange: .translated(outbound.body, dialect), operation: .chat, headers: headers,
            upstreamHeaders: upstreamHeaders, meter: meter)
    }
}
