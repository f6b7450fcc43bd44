import Dialects
import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console/routes`: the routes `Routes/` declares and, for a model and a tenant, what a
/// request would do now — `switchyard route explain`, live (measured latency, circuits).
enum RoutesPage {
    static let template = """
        <div class="table-wrap"><table id="routes">
        <thead><tr><th scope="col">{{t.route}}</th><th scope="col">{{t.strategy}}</th><th scope="col">{{t.target}}</th><th scope="col">{{t.policy}}</th></tr></thead>
        <tbody>{{#routes}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{strategy}}</td><td>{{targets}}</td><td>{{policy}}</td></tr>{{/routes}}</tbody>
        </table></div>
        <h2>{{t.explain}}</h2>
        <p class="hint">{{t.explain_hint}}</p>
        <form class="filters" method="get" action="/console/routes">
        <label>{{t.model}}<input name="model" value="{{model}}" size="18" required></label>
        {{#admin}}<label>{{t.tenant}}<input name="tenant" value="{{tenant}}" size="10"></label>{{/admin}}
        <label>{{t.prompt_tokens}}<input name="prompt_tokens" value="{{promptTokens}}" size="8" inputmode="numeric"></label>
        <label>{{t.max_tokens}}<input name="max_tokens" value="{{maxTokens}}" size="8" inputmode="numeric"></label>
        <button type="submit">{{t.explain}}</button>
        </form>
        {{#explained}}
        <p id="explained">{{t.route}} <strong>{{route}}</strong> · {{t.strategy}} {{strategy}}{{#hedge}} · hedge {{hedge}} ms{{/hedge}}{{#pii}} · {{pii}}{{/pii}}</p>
        <div class="table-wrap"><table id="explain">
        <thead><tr><th scope="col">{{t.attempt}}</th><th scope="col">{{t.candidate}}</th><th scope="col" class="num">{{t.expected_cost}}</th><th scope="col" class="num">{{t.latency}}</th><th scope="col">{{t.health}}</th><th scope="col">{{t.excluded}}</th></tr></thead>
        <tbody>{{#candidates}}<tr><td>{{attempt}}</td><td>{{target}}</td><td class="num">{{cost}}</td><td class="num">{{latency}}</td><td>{{health}}</td><td>{{excluded}}</td></tr>{{/candidates}}</tbody>
        </table></div>
        {{/explained}}
        """

    static func view(_ visit: ConsoleVisit) async throws -> ConsoleDraw {
        let parameters = visit.parameters
        let gateway = visit.gateway
        let locale = visit.locale
        let tenant = try visit.scopedTenant(asked: parameters["tenant"])
        let routes = gateway.configuration.routes.map { route -> [String: Any] in
            var link = URLComponents()
            link.path = "/console/routes"
            link.queryItems = [URLQueryItem(name: "model", value: route.name)]
            return [
                "name": route.name, "href": link.string ?? "", "strategy": "\(route.strategy)",
                "targets": route.targets.map(\.description).joined(separator: ", "), "policy": route.policy ?? "—",
            ]
        }
        var values: [String: Any] = [
            "routes": routes, "admin": visit.isAdmin, "model": parameters["model"] ?? "", "tenant": visit.isAdmin ? (tenant ?? "") : "",
            "promptTokens": parameters["prompt_tokens"] ?? "1000", "maxTokens": parameters["max_tokens"] ?? "",
        ]
        if let model = parameters["model"] {
            if let tenant, gateway.configuration.tenant(named: tenant) == nil {
                throw ConsoleProblem.badInput("unknown tenant '\(tenant)'")
            }
            func tokens(_ name: String, _ fallback: Int?) throws(ConsoleProblem) -> Int? {
                guard let text = parameters[name] else { return fallback }
                guard let value = Int(text), (0...RoutingFacts.maximumOutputTokens).contains(value) else {
                    throw .badInput("\(name) must be a whole number from 0 to \(RoutingFacts.maximumOutputTokens)")
                }
                return value
            }
            let request = RouteRequest(
                model: model, promptTokens: try tokens("prompt_tokens", 1000) ?? 1000, maxOutputTokens: try tokens("max_tokens", nil),
                tenant: tenant, roll: 0.5)
            guard
                let explanation = gateway.planner.explain(
                    request, latencies: gateway.latency.snapshot(), circuits: gateway.health.snapshot())
            else {
                throw ConsoleProblem(status: .notFound, message: "no route, provider/model or model is named '\(model)'", literal: true)
            }
            values["explained"] = true
            values["route"] = explanation.routeName
            values["strategy"] = explanation.strategy
            if let hedge = explanation.hedgeAfterMilliseconds { values["hedge"] = hedge }
            if let note = explanation.personalDataNote { values["pii"] = note }
            values["candidates"] = explanation.candidates.map { candidate -> [String: Any] in
                [
                    "attempt": candidate.attempt.map(String.init) ?? "—", "target": candidate.reference.description,
                    "cost": candidate.expectedCost.map { locale.money(Decimal($0), explanation.reportingCurrency) } ?? "—",
                    "latency": candidate.measuredLatencyMilliseconds.map { "\(locale.number(Int($0.rounded()))) ms" } ?? "—",
                    "health": candidate.health ?? "—", "excluded": candidate.excludedBecause ?? "",
                ]
            }
        }
        return .page(ConsoleView(title: locale.text("routes"), template: "routes", values: values))
    }
}
