import CoreMetrics
import Foundation
import GatewayConfig
import GatewayModel
import Metering
import Providers
import Routing

extension GatewayMetrics {
    /// Sets the gauges of live state from `gateway` as it stands, just before a scrape: every
    /// configured target's circuit and measured p95, each provider's connection pool, the
    /// journal's backlog, every open budget. Read at scrape time, they cost requests nothing.
    func observe(_ gateway: Gateway) {
        let circuits = gateway.health.snapshot()
        let latency = gateway.latency.snapshot()
        for provider in gateway.configuration.providers {
            for offering in provider.models {
                let reference = ModelReference(provider: provider.name, model: offering.name)
                let labels = [("provider", provider.name), ("model", offering.name)]
                gauge(Name.circuitState, labels).record(circuits.status(of: reference).state.rawValue)
                if let figures = latency[reference] {
                    gauge(Name.targetLatencyP95, labels).record(figures.p95 / 1000)
                }
            }
        }
        for (provider, occupancy) in gateway.upstream.occupancy {
            gauge(Name.upstreamConnections, [("provider", provider), ("state", "in_use")]).record(occupancy.inUse)
            gauge(Name.upstreamConnections, [("provider", provider), ("state", "idle")]).record(occupancy.idle)
            gauge(Name.upstreamWaiting, [("provider", provider)]).record(occupancy.waiting)
        }
        if let meter = gateway.meter { gauge(Name.journalBacklog, []).record(meter.backlog) }
        let currency = gateway.configuration.currency.reportingCurrency
        for standing in gateway.budgets.standings() {
            let labels =
                switch standing.scope {
                case .tenant(let name): [("scope", "tenant"), ("name", name), ("currency", currency)]
                case .key(let id): [("scope", "key"), ("name", id), ("currency", currency)]
                }
            gauge(Name.budgetLimit, labels).record(NSDecimalNumber(decimal: standing.limit).doubleValue)
            gauge(Name.budgetRemaining, labels).record(NSDecimalNumber(decimal: standing.remaining).doubleValue)
        }
    }

    private func gauge(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
    }
}
