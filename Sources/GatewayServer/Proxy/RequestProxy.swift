import Dialects
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Providers
import Routing

/// Forwards a request — chat, embeddings or rerank, in whichever dialect the caller speaks — to
/// the first target in its plan that answers: passing bytes through when the provider speaks
/// the caller's dialect, translating when it doesn't (``ProxiedRequest``).
///
/// Fallback happens only before the client has seen a byte: for streams the gateway waits for
/// the upstream's first event before committing the response head, so a provider that
/// accepts the connection and then fails still falls through to the next target.
struct RequestProxy: Sendable {
    let gateway: Gateway
    /// Largest non-streaming upstream answer the gateway will hold.
    static let maximumResponseBytes = 64 << 20

    var maxBodyBytes: Int { gateway.configuration.server.maxBodyBytes }

    func forward<Inbound: ProxiedRequest>(
        _ inbound: Inbound, for key: AuthenticatedKey, forwarding forwarded: ForwardedHeaders = ForwardedHeaders(),
        context: GatewayRequestContext
    ) async throws -> Response {
        let trail = context.trail
        trail?.update {
            $0.tenant = key.tenant
            $0.keyID = key.id
            $0.requestedModel = String(inbound.model.prefix(RequestTrail.longestModelName))
            $0.dialect = Inbound.dialectName
            $0.operation = Inbound.operation.rawValue
            $0.stream = inbound.stream
        }
        /// A request answered without calling any provider: its trail says why.
        func refused(_ refusal: GatewayError) -> GatewayError {
            trail?.update { $0.refusal = RefusalReason(refusal) }
            return refusal
        }
        if !key.mayCall(inbound.model) {
            throw refused(
                GatewayError(
                    kind: .permission, status: 403,
                    message: "This key may call only: \(key.allowedRoutes.joined(separator: ", ")).", parameter: "model",
                    code: "route_not_allowed"))
        }
        do { try refuseDuringLedgerOutage() } catch { throw refused(error) }
        let facts = inbound.routingFacts
        var request = RouteRequest(
            model: inbound.model, promptTokens: facts.promptTokens, maxOutputTokens: facts.maxOutputTokens, needs: facts.needs,
            tenant: key.tenant)
        request.requiredEndpoint = facts.requiredEndpoint
        request.kind = Inbound.operation.modelKind
        request.searches = facts.searches
        request.dimensions = facts.dimensions
        request.longestInputTokens = facts.longestInputTokens
        // Personal data is looked for only when a policy asks; what is found is routing's to weigh.
        var decoded: Inbound.Decoded?
        var screening: PersonalDataScreening<Inbound.Decoded>?
        let personalData = gateway.planner.personalDataRule(for: request)
        if personalData.handling != .allow {
            let read = try inbound.decoded()
            decoded = read
            screening = PersonalDataScreening(read, rule: personalData)
            request.personalData = screening?.kindLabels ?? []
        }
        guard let plan = gateway.planner.plan(for: request, latencies: gateway.latency.snapshot(), circuits: gateway.health.snapshot())
        else {
            throw refused(GatewayError.modelNotFound(inbound.model))
        }
        trail?.update {
            $0.route = plan.routeName
            $0.strategy = plan.strategy.rawValue
        }
        guard !plan.targets.isEmpty else { throw refused(plan.refusal(model: inbound.model)) }
        let charge: RequestCharge?
        do {
            charge = try await RequestAdmission(gateway: gateway).admit(key: key, plan: plan, request: request)
        } catch {
            throw refused(error)
        }
        // The request is over when this returns — unless it returns a stream, whose body settles.
        var streaming = false
        defer { if !streaming { charge?.settle() } }
        let queue = AttemptQueue(
            inbound: inbound, plan: plan, gateway: gateway, screening: screening, decoded: decoded, key: key,
            requestID: context.requestID, charge: charge, forwarded: forwarded, trail: trail)
        do {
            let response = try await attempt(queue, context: context)
            streaming = inbound.stream
            return response
        } catch  where gateway.shutdownNotice.hasEnded {
            // A stopping gateway's time for requests ran out while this one waited on a provider
            // (its connection was closed under it): 503, not the provider's failure or a bare close.
            throw Self.shuttingDown
        } catch let error as GatewayError where trail?.attempts == 0 {
            // Every target was skipped (a circuit opened since routing) or none could take the request.
            throw refused(error)
        }
    }

    /// Tries the plan's targets in turn (or hedged), until one answers.
    private func attempt<Inbound: ProxiedRequest>(_ queue: AttemptQueue<Inbound>, context: GatewayRequestContext) async throws -> Response {
        var queue = queue
        if let hedgeAfter = queue.plan.hedgeAfterMilliseconds, queue.plan.targets.count > 1 {
            return try await race(&queue, hedgeAfter: .milliseconds(hedgeAfter), context: context)
        }
        var lastFailure: UpstreamFailure?
        while let attempt = try queue.next() {
            do {
                return try await run(attempt, inbound: queue.inbound, context: context)
            } catch let error as UpstreamFailure {
                lastFailure = error
                if !error.allowsFallback { break }
            }
        }
        throw lastFailure?.gatewayError ?? queue.exhausted
    }

    /// What a request still waiting on a provider hears when a stopping gateway's time runs out.
    static let shuttingDown = GatewayError.unavailable(
        "The gateway is shutting down and this request did not finish in time; retry (another replica will take it).",
        retryAfterSeconds: 1)

    /// Hedged forwarding (`hedge_after_ms`): when the attempt in flight hasn't answered within
    /// `hedgeAfter`, the next target starts too; the first answer wins and the other attempt is
    /// cancelled. A failure falls back as usual. At most two attempts run at once.
    func race<Inbound: ProxiedRequest>(
        _ queue: inout AttemptQueue<Inbound>, hedgeAfter: Duration, context: GatewayRequestContext
    ) async throws -> Response {
        let inbound = queue.inbound
        return try await withThrowingTaskGroup(of: HedgeOutcome.self) { group in
            func start(_ attempt: PreparedAttempt, in group: inout ThrowingTaskGroup<HedgeOutcome, any Error>) {
                group.addTask {
                    do {
                        return .answered(try await run(attempt, inbound: inbound, context: context), attempt)
                    } catch let error as UpstreamFailure {
                        return .failed(error, attempt.target.reference)
                    }
                }
            }
            guard let first = try queue.next() else { throw queue.exhausted }
            start(first, in: &group)
            group.addTask {
                try? await sleepOnEventLoop(for: hedgeAfter)
                return .hedgeDue
            }
            var inFlight = [first.target.reference]
            var hedge: PreparedAttempt?
            var lastFailure: UpstreamFailure?
            while let outcome = try await group.next() {
                switch outcome {
                case .answered(var response, let winner):
                    group.cancelAll()
                    if let hedge {
                        let loser = inFlight.first { $0 != winner.target.reference }
                        response.headers[.switchyardHedged] = hedge.target.reference == winner.target.reference ? "won" : "lost"
                        if let loser {
                            context.logger.info(
                                "hedged request answered; the other attempt is cancelled",
                                metadata: ["winner": "\(winner.target.reference)", "cancelled": "\(loser)"])
                        }
                    }
                    return response
                case .failed(let failure, let target):
                    inFlight.removeAll { $0 == target }
                    lastFailure = failure
                    guard failure.allowsFallback else {
                        if inFlight.isEmpty { throw failure.gatewayError }
                        continue
                    }
                    if inFlight.isEmpty, let next = try queue.next() {
                        start(next, in: &group)
                        inFlight.append(next.target.reference)
                    }
                case .hedgeDue:
                    if hedge == nil, inFlight.count == 1, let next = try queue.next() {
                        context.trail?.update { $0.hedged = true }
                        hedge = next
                        start(next, in: &group)
                        inFlight.append(next.target.reference)
                    }
                }
                if inFlight.isEmpty { break }
            }
            group.cancelAll()
            throw lastFailure?.gatewayError ?? queue.exhausted
        }
    }

    /// One attempt: call the provider, turn its answer into the caller's, and record the
    /// outcome in the target's latency and health and in the usage ledger. A cancelled attempt
    /// (a hedge that lost) is metered but says nothing about the target's health.
    ///
    /// Throws ``UpstreamFailure`` for the provider's faults (fallback may follow), a
    /// ``GatewayError`` when the usage can't be recorded (no fallback: the gateway fails closed).
    func run<Inbound: ProxiedRequest>(
        _ attempt: PreparedAttempt, inbound: Inbound, context: GatewayRequestContext
    ) async throws -> Response {
        let target = attempt.target
        guard let endpoint = gateway.endpoints[target.provider.name] else {
            throw UpstreamFailure(provider: target.provider.name, kind: .unreachable, detail: "no client configured")
        }
        let waitStarted = ContinuousClock.now
        do {
            func post(_ body: [UInt8]) async throws(UpstreamFailure) -> UpstreamResponse {
                try await gateway.upstream.post(
                    body, to: endpoint, operation: attempt.exchange.operation, model: target.offering.upstreamName,
                    stream: inbound.stream, extraHeaders: attempt.upstreamHeaders, requestID: context.requestID,
                    logger: gateway.logger)
            }
            let answer = UpstreamAnswer<Inbound>(
                exchange: attempt.exchange, target: target, meter: attempt.meter, logger: context.logger,
                departure: inbound.stream ? await context.clientDeparture : nil, shutdown: gateway.shutdownNotice)
            let result: Response
            if inbound.stream {
                // Waiting on the provider until its first event (the relay's first transform is
                // counted with it: microseconds next to the wait).
                defer { context.trail?.waited(since: waitStarted) }
                result = try await answer.stream(try await post(attempt.exchange.bodies[0]), headers: attempt.headers)
            } else {
                // An operation split into batches calls the provider once per batch, in order.
                var bodies: [ByteBuffer] = []
                do {
                    defer { context.trail?.waited(since: waitStarted) }
                    for body in attempt.exchange.bodies {
                        bodies.append(try await post(body).collect(upTo: Self.maximumResponseBytes))
                    }
                }
                result = try await answer.json(bodies, headers: attempt.headers)
            }
            // Streams return once their first event is in hand: this is time to first token.
            gateway.latency.record(target.reference, milliseconds: Self.milliseconds(since: attempt.meter.started))
            gateway.health.recordSuccess(target.reference)
            return result
        } catch let error as UpstreamFailure {
            if gateway.shutdownNotice.hasEnded {
                // The gateway stopping ended the exchange: the client hears 503.
                await attempt.meter.recordEnded(.failed, status: 503, logger: context.logger)
                throw error
            }
            if Task.isCancelled {
                await attempt.meter.recordEnded(.cancelled, status: 499, logger: context.logger)  // a hedge that lost
                throw error
            }
            if let status = error.providerStatus {
                await attempt.meter.recordEnded(.failed, status: status, logger: context.logger)
            }
            attempt.meter.span?.end(failure: error.typeName, status: error.providerStatus)
            switch error.kind {
            case .requestRejected: break  // the client's request, not the provider's health
            case .rateLimited(let retryAfter): gateway.health.recordFailure(target.reference, retryAfterSeconds: retryAfter)
            default: gateway.health.recordFailure(target.reference)
            }
            context.logger.warning(
                "attempt failed",
                metadata: [
                    "target": "\(target.reference)", "attempt": .string(attempt.headers[.switchyardAttempts] ?? "?"),
                    "error": "\(error.detail)",
                ])
            throw error
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// Appended, not set: the fields are new (setting searches for one to replace, each time).
    static func headers(plan: RoutePlan, target: RouteTarget, attempts: Int) -> HTTPFields {
        var headers = HTTPFields()
        headers.reserveCapacity(8)
        headers.append(HTTPField(name: .switchyardRoute, value: plan.routeName))
        headers.append(HTTPField(name: .switchyardStrategy, value: plan.strategy.rawValue))
        headers.append(HTTPField(name: .switchyardProvider, value: target.provider.name))
        headers.append(HTTPField(name: .switchyardModel, value: target.offering.name))
        headers.append(HTTPField(name: .switchyardAttempts, value: String(attempts)))
        return headers
    }
}

/// What a hedged request's concurrent tasks report.
private enum HedgeOutcome: Sendable {
    case answered(Response, PreparedAttempt)
    case failed(UpstreamFailure, ModelReference)
    /// `hedge_after_ms` passed.
    case hedgeDue
}

extension RequestProxy {
    /// `on_ledger_outage: fail_closed`: once the ledger database has refused usage records for
    /// longer than the grace, serve nothing until it takes them again.
    func refuseDuringLedgerOutage() throws(GatewayError) {
        let settings = gateway.configuration.metering
        guard settings.onLedgerOutage == .failClosed, let outage = gateway.meter?.outage,
            outage > .milliseconds(settings.outageGraceMilliseconds)
        else { return }
        throw .unavailable(
            "The gateway's usage ledger is unreachable and this gateway is set to refuse requests until it returns (on_ledger_outage: fail_closed); retry shortly.",
            retryAfterSeconds: 5)
    }
}
