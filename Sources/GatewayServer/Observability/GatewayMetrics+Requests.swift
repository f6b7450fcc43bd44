import CoreMetrics
import GatewayModel
import Metering
import Privacy

/// What a request's series are told apart by.
struct RequestSeriesKey: Hashable, Sendable {
    var route: String
    var tenant: String
    var dialect: String
    var provider: String
    var model: String
    var outcome: String
    var reason: String
}

/// The overhead histogram's labels.
struct OverheadSeriesKey: Hashable, Sendable {
    var route: String
    var dialect: String
}

extension GatewayMetrics {
    /// Records a request that reached the proxy (one a bad key, body or path stopped is only in
    /// the log): `switchyard_requests_total` by its outcome, and the gateway's overhead.
    func recordRequest(_ facts: RequestTrail.Facts, overhead: Duration?) {
        guard !facts.route.isEmpty || facts.refusal != nil else { return }
        let final = facts.final
        let key = RequestSeriesKey(
            route: facts.route, tenant: facts.tenant, dialect: facts.dialect, provider: final?.provider ?? "",
            model: final?.model ?? "", outcome: facts.outcome, reason: facts.refusal?.rawValue ?? "")
        requestSeries.series(key) {
            var labels = [("route", key.route), ("tenant", key.tenant), ("dialect", key.dialect), ("outcome", key.outcome)]
            if !key.provider.isEmpty { labels += [("provider", key.provider), ("model", key.model)] }
            if !key.reason.isEmpty { labels.append(("reason", key.reason)) }
            return CoreMetrics.Counter(label: Name.requests, dimensions: labels, factory: factory)
        }.increment()
        if let overhead {
            let key = OverheadSeriesKey(route: facts.route, dialect: facts.dialect)
            overheadSeries.series(key) {
                CoreMetrics.Timer(label: Name.overhead, dimensions: [("route", key.route), ("dialect", key.dialect)], factory: factory)
            }.recordInterval(overhead)
        }
    }

    /// A credential presented and refused, or missing: `credential` is `virtual_key`,
    /// `admin_key` or `metrics_token`; `reason` `missing` or `invalid`.
    func recordAuthenticationFailure(credential: String, reason: String) {
        CoreMetrics.Counter(
            label: Name.authenticationFailures, dimensions: [("credential", credential), ("reason", reason)], factory: factory
        ).increment()
    }

    /// Values masked before a request went to a public provider, by kind (`email`, `phone`…).
    func recordMasked(_ counts: [PersonalDataKind: Int]) {
        for (kind, count) in counts where count > 0 {
            CoreMetrics.Counter(label: Name.personalDataMasked, dimensions: [("kind", kind.rawValue)], factory: factory)
                .increment(by: count)
        }
    }

    /// One batch of usage records committed to the ledger database.
    public func recordLedgerCommit(took: Duration, records: Int) {
        CoreMetrics.Timer(label: Name.ledgerCommit, factory: factory).recordInterval(took)
        CoreMetrics.Counter(label: Name.ledgerCommitted, factory: factory).increment(by: records)
    }
}

extension CoreMetrics.Timer {
    /// Records a `Duration` (in nanoseconds, held at Int64's bounds).
    func recordInterval(_ duration: Duration) { recordNanoseconds(duration.wholeNanoseconds) }
}
