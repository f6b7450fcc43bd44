import Dialects
import GatewayConfig
import GatewayModel
import Hummingbird
import Logging
import Metering
import NIOCore
import Providers
import Routing

/// Forwards a chat request, in whichever dialect the caller speaks, to the first target in its
/// plan that answers — passing bytes through when the provider speaks the caller's dialect,
/// translating through the canonical model when it doesn't.
///
/// Fallback happens only before the client has seen a byte: for streams the gateway waits for
/// the upstream's first event before committing the response head, so a provider that
/// accepts the connection and then fails still falls through to the next target.
struct ChatProxy: Sendable {
    let gateway: Gateway
    /// Largest non-streaming upstream answer the gateway will hold.
    static let maximumResponseBytes = 64 << 20

    var maxBodyBytes: Int { gateway.configuration.server.maxBodyBytes }

    func forward<Inbound: InboundChat>(
        _ inbound: Inbound, for key: AuthenticatedKey, context: GatewayRequestContext
    ) async throws -> Response {
        let facts = inbound.routingFacts
        let request = RouteRequest(
            model: inbound.model, promptTokens: facts.promptTokens, maxOutputTokens: facts.maxOutputTokens, needs: facts.needs,
            tenant: key.tenant)
        guard var plan = gateway.planner.plan(for: request, latencies: gateway.latency.snapshot()) else {
            throw GatewayError.modelNotFound(inbound.model)
        }
        var canonical: ChatRequest?
        var screening: PersonalDataScreening?
        if plan.personalData.handling != .allow {
            canonical = try inbound.canonical()
            screening = PersonalDataScreening(canonical!, rule: plan.personalData)
            if let screening, plan.personalData.handling == .block {
                plan.excluded += plan.targets.filter(screening.guards).map { ($0.reference, screening.blockReason(for: $0)) }
                plan.targets.removeAll(where: screening.guards)
            }
        }
        if plan.targets.isEmpty, let rule = plan.policyRefusals.last {
            throw GatewayError.forbiddenByPolicy("No target of '\(inbound.model)' is allowed: \(rule).")
        }
        guard !plan.targets.isEmpty else {
            let reasons = plan.excluded.map { "\($0.reference): \($0.reason)" }.joined(separator: "; ")
            throw GatewayError.unavailable("No provider for '\(inbound.model)' is available (\(reasons)).")
        }
        var lastFailure: UpstreamFailure?
        var attempts = 0
        var skipped: [(target: RouteTarget, reason: String, retryAfterSeconds: Int, rateLimited: Bool)] = []
        for target in plan.targets {
            guard let endpoint = gateway.endpoints[target.provider.name] else { continue }
            if case .refused(let reason, let retryAfter, let rateLimited) = gateway.health.admit(target.reference) {
                skipped.append((target, reason, retryAfter, rateLimited))
                continue
            }
            attempts += 1
            var headers = Self.headers(plan: plan, target: target, attempts: attempts)
            let exchange: Exchange
            let masking = screening.map { $0.guards(target) } ?? false
            if target.provider.dialect == Inbound.format, !masking {
                exchange = .passThrough(
                    inbound.passThroughBody(
                        upstreamModel: target.offering.upstreamName, requestStreamUsage: target.provider.streamUsage))
            } else if var dialect = ProviderDialects.dialect(for: target.provider.dialect) {
                // Decode once, encode per target. A request the client got wrong is the
                // client's error, not a reason to try the next provider.
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
                        maxOutputTokens: target.provider.defaultMaxTokens, requestStreamUsage: target.provider.streamUsage))
                if !outbound.dropped.isEmpty {
                    if target.provider.unsupportedParameters == .reject {
                        throw GatewayError.invalidRequest(
                            "Provider '\(target.provider.name)' (\(target.provider.dialect.rawValue)) cannot honour: \(outbound.dropped.joined(separator: ", ")).",
                            parameter: outbound.dropped[0], code: "unsupported_parameter")
                    }
                    headers[.switchyardDropped] = outbound.dropped.joined(separator: ",")
                }
                exchange = .translated(outbound.body, dialect)
            } else {
                continue
            }
            let started = ContinuousClock.now
            do throws(UpstreamFailure) {
                let response = try await gateway.upstream.post(
                    exchange.body, to: endpoint, model: target.offering.upstreamName, stream: inbound.stream,
                    requestID: context.requestID, logger: gateway.logger)
                let answer = UpstreamAnswer(inbound: inbound, exchange: exchange, target: target, logger: context.logger)
                let result =
                    inbound.stream
                    ? try await answer.stream(response, headers: headers)
                    : try await answer.json(response, headers: headers, limit: Self.maximumResponseBytes)
                // Streams return once their first event is in hand: this is time to first token.
                gateway.latency.record(target.reference, milliseconds: Self.milliseconds(since: started))
                gateway.health.recordSuccess(target.reference)
                return result
            } catch {
                switch error.kind {
                case .requestRejected: break  // the client's request, not the provider's health
                case .rateLimited(let retryAfter): gateway.health.recordFailure(target.reference, retryAfterSeconds: retryAfter)
                default: gateway.health.recordFailure(target.reference)
                }
                context.logger.warning(
                    "attempt failed",
                    metadata: ["target": "\(target.reference)", "attempt": "\(attempts)", "error": "\(error.detail)"])
                lastFailure = error
                if !error.allowsFallback { break }
            }
        }
        if let lastFailure { throw lastFailure.gatewayError }
        throw Self.allCircuitsOpen(skipped, model: inbound.model)
    }

    /// Every target was skipped by its circuit breaker: say so, and when to come back. If any
    /// was skipped for the provider's own rate limit, it stays a 429 for the client.
    static func allCircuitsOpen(
        _ skipped: [(target: RouteTarget, reason: String, retryAfterSeconds: Int, rateLimited: Bool)], model: String
    ) -> GatewayError {
        let reasons = skipped.map { "\($0.target.reference): \($0.reason)" }.joined(separator: "; ")
        let retryAfter = skipped.map(\.retryAfterSeconds).min()
        if skipped.contains(where: \.rateLimited) {
            return .rateLimited("Every provider for '\(model)' is rate limiting requests (\(reasons)).", retryAfterSeconds: retryAfter)
        }
        return .unavailable("No provider for '\(model)' is available (\(reasons)).", retryAfterSeconds: retryAfter)
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    static func headers(plan: RoutePlan, target: RouteTarget, attempts: Int) -> HTTPFields {
        var headers = HTTPFields()
        headers[.switchyardRoute] = plan.routeName
        headers[.switchyardStrategy] = plan.strategy.rawValue
        headers[.switchyardProvider] = target.provider.name
        headers[.switchyardModel] = target.offering.name
        headers[.switchyardAttempts] = String(attempts)
        return headers
    }
}

/// How one attempt talks to its provider.
enum Exchange: Sendable {
    /// The provider speaks the caller's dialect: these bytes go as they are.
    case passThrough([UInt8])
    /// Encoded for the provider's dialect, whose answer is decoded back.
    case translated([UInt8], any ProviderDialect)

    var body: [UInt8] {
        switch self {
        case .passThrough(let body), .translated(let body, _): body
        }
    }
}
