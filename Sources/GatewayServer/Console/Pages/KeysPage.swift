import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console/keys`: the keys the session may see; create (the key shown once), change terms,
/// revoke — for the admin, and for a tenant's own keys when `Routes/` lets it (`manage_keys`).
/// Every change goes to the audit trail with who made it and from where.
enum KeysPage {
    static let template = """
        {{#newKey}}<p class="notice" role="status">{{t.new_key_once}}<br><code class="secret" id="new-key">{{newKey}}</code></p>{{/newKey}}
        {{#canManage}}
        <h2>{{t.create_key}}</h2>
        <form class="filters" method="post" action="/console/keys" id="create-key">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#admin}}<label>{{t.tenant}}<select name="tenant">{{#tenants}}<option>{{.}}</option>{{/tenants}}</select></label>{{/admin}}
        <label>{{t.budget}}<input name="budget" size="14" placeholder="{{t.budget_hint}}"></label>
        <label>{{t.rpm}}<input name="rpm" size="8" inputmode="numeric"></label>
        <label>{{t.tpm}}<input name="tpm" size="10" inputmode="numeric"></label>
        <label>{{t.allowed_routes}}<input name="allowed_routes" size="18" placeholder="{{routeNames}}"></label>
        <button type="submit">{{t.create}}</button>
        </form>
        <p class="hint">{{t.routes_hint}}</p>
        {{/canManage}}
        {{^canManage}}<p class="hint">{{t.keys_read_only}}</p>{{/canManage}}
        <h2>{{t.keys}}</h2>
        <div class="table-wrap"><table id="keys">
        <thead><tr><th scope="col">{{t.key}}</th><th scope="col">{{t.tenant}}</th><th scope="col">{{t.created}}</th><th scope="col">{{t.budget}}</th><th scope="col">{{t.limits}}</th><th scope="col">{{t.allowed_routes}}</th>{{#canManage}}<th scope="col">{{t.change_key}}</th><th scope="col">{{t.revoke}}</th>{{/canManage}}</tr></thead>
        <tbody>{{#keys}}<tr id="key-{{id}}"><td><code>{{id}}</code></td><td>{{tenant}}</td><td>{{created}}</td><td>{{budget}}</td><td>{{limits}}</td><td>{{routes}}</td>
        {{#canManage}}<td><form method="post" action="/console/keys/{{id}}" class="filters">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>{{t.budget}}<input name="budget" value="{{budgetText}}" size="12"></label>
        <label>{{t.rpm}}<input name="rpm" value="{{rpm}}" size="6"></label>
        <label>{{t.tpm}}<input name="tpm" value="{{tpm}}" size="8"></label>
        <label>{{t.allowed_routes}}<input name="allowed_routes" value="{{routesText}}" size="12"></label>
        <button type="submit">{{t.change_key}}</button></form></td>
        <td><form method="post" action="/console/keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="quiet">{{t.revoke}}</button></form></td>{{/canManage}}
        </tr>{{/keys}}</tbody>
        </table></div>
        """

    static func view(_ visit: ConsoleVisit, newKey: String? = nil, problem: String? = nil) async throws -> ConsoleDraw {
        let tenant = try visit.scopedTenant(asked: visit.parameters["tenant"])
        let keys = try await visit.ledger("listing keys") { try await $0.activeKeys() }.filter { tenant == nil || $0.tenant == tenant }
        let locale = visit.locale
        let configuration = visit.gateway.configuration
        let rows = keys.map { key -> [String: Any] in
            let limits = [
                key.limits.requestsPerMinute.map { "\(locale.number($0)) rpm" },
                key.limits.tokensPerMinute.map { "\(locale.number($0)) tpm" },
            ]
            .compactMap { $0 }
            return [
                "id": key.id, "tenant": key.tenant, "created": locale.day(UTCTimestamp.day(key.createdAt)),
                "budget": key.budget?.description ?? locale.text("none"), "budgetText": key.budget.map(budgetText) ?? "",
                "limits": limits.isEmpty ? locale.text("none") : limits.joined(separator: ", "),
                "rpm": key.limits.requestsPerMinute.map(String.init) ?? "", "tpm": key.limits.tokensPerMinute.map(String.init) ?? "",
                "routes": key.allowedRoutes.isEmpty ? locale.text("any") : key.allowedRoutes.joined(separator: ", "),
                "routesText": key.allowedRoutes.joined(separator: ","),
            ]
        }
        let notice = visit.parameters["done"].flatMap { ["revoked": "key_revoked", "changed": "key_changed"][$0] }.map(locale.text)
        var values: [String: Any] = [
            "keys": rows, "canManage": mayManage(visit), "admin": visit.isAdmin, "csrf": visit.session.csrf,
            "tenants": configuration.tenants.map(\.name), "routeNames": configuration.routes.map(\.name).joined(separator: ","),
        ]
        if let newKey { values["newKey"] = newKey }
        return .page(
            ConsoleView(
                title: locale.text("keys"), template: "keys", values: values, status: newKey == nil ? .ok : .created, notice: notice,
                problem: problem))
    }

    static func create(_ visit: ConsoleVisit, form: ConsoleForm) async throws -> ConsoleDraw {
        guard mayManage(visit) else { throw ConsoleProblem(status: .forbidden, message: "keys_read_only") }
        // A tenant creates keys for itself, whatever the form says.
        guard let tenant = try visit.scopedTenant(asked: form["tenant"]) else {
            throw ConsoleProblem.badInput("tenant is required")
        }
        let key = VirtualKey.generate()
        let record: VirtualKeyRecord
        do {
            record = try terms(form, tenant: tenant).record(for: key, under: visit.gateway.configuration)
        } catch {
            return try await view(visit, problem: Self.message(error, in: visit.locale))
        }
        let (actor, source) = (visit.session.principal.actor, visit.context.clientAddress ?? "unknown")
        let active = try await visit.ledger("creating a key") { ledger in
            try await ledger.insertKey(record)
            try await AuditChain.record(.keyCreated(record, by: actor, from: source), in: ledger)
            return try await ledger.activeKeys()
        }
        visit.gateway.keys.replace(with: active)
        // Shown on this answer only (never in a URL, never stored).
        return try await view(visit, newKey: key.plaintext)
    }

    static func change(_ visit: ConsoleVisit, form: ConsoleForm) async throws -> ConsoleDraw {
        let old = try await ownKey(visit)
        let changed: VirtualKeyRecord
        do {
            // Its tenant stands as it is, even if `Routes/` no longer names it.
            let checked = try terms(form, tenant: old.tenant).record(
                for: VirtualKey.generate(), under: visit.gateway.configuration, tenants: [old.tenant])
            changed = VirtualKeyRecord(
                id: old.id, tenant: old.tenant, hash: old.hash, createdAt: old.createdAt, revokedAt: nil, budget: checked.budget,
                limits: checked.limits, allowedRoutes: checked.allowedRoutes)
        } catch {
            return try await view(visit, problem: Self.message(error, in: visit.locale))
        }
        let drafts = AuditDraft.keyChanged(
            from: old, to: changed, by: visit.session.principal.actor, from: visit.context.clientAddress ?? "unknown")
        let active = try await visit.ledger("changing a key") { ledger -> [VirtualKeyRecord]? in
            guard try await ledger.changeKey(changed) else { return nil }
            for draft in drafts { try await AuditChain.record(draft, in: ledger) }
            return try await ledger.activeKeys()
        }
        guard let active else { throw ConsoleProblem.notFound }
        visit.gateway.keys.replace(with: active)
        return .redirect("/console/keys?done=changed")
    }

    static func revoke(_ visit: ConsoleVisit, form: ConsoleForm) async throws -> ConsoleDraw {
        let key = try await ownKey(visit)
        let (actor, source) = (visit.session.principal.actor, visit.context.clientAddress ?? "unknown")
        let active = try await visit.ledger("revoking a key") { ledger -> [VirtualKeyRecord]? in
            guard try await ledger.revokeKey(id: key.id) else { return nil }
            try await AuditChain.record(.keyRevoked(key.id, by: actor, from: source), in: ledger)
            return try await ledger.activeKeys()
        }
        guard let active else { throw ConsoleProblem.notFound }
        visit.gateway.keys.replace(with: active)
        return .redirect("/console/keys?done=revoked")
    }

    /// The active key the URL names, if the session may manage it: another tenant's key is "no
    /// such page", exactly like a key that doesn't exist.
    private static func ownKey(_ visit: ConsoleVisit) async throws -> VirtualKeyRecord {
        guard mayManage(visit) else { throw ConsoleProblem(status: .forbidden, message: "keys_read_only") }
        let id = visit.context.parameters.get("id") ?? ""
        let keys = try await visit.ledger("reading a key") { try await $0.activeKeys() }
        guard let key = keys.first(where: { $0.id == id }), visit.tenant == nil || visit.tenant == key.tenant else {
            throw ConsoleProblem.notFound
        }
        return key
    }

    static func mayManage(_ visit: ConsoleVisit) -> Bool {
        guard let tenant = visit.tenant else { return true }
        return visit.gateway.configuration.tenant(named: tenant)?.managesKeys == true
    }

    /// The form's terms, checked as the admin API checks them.
    private static func terms(_ form: ConsoleForm, tenant: String) throws -> KeyRequest {
        func number(_ name: String) throws -> Int? {
            guard let text = form[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let value = Int(text) else { throw ConsoleProblem.badInput("\(name) must be a whole number, got '\(text)'") }
            return value
        }
        let routes = (form["allowed_routes"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        return KeyRequest(
            tenant: tenant, budget: form["budget"]?.trimmingCharacters(in: .whitespaces), rpm: try number("rpm"), tpm: try number("tpm"),
            allowedRoutes: routes)
    }

    /// What is wrong with a form's terms, as the page says it.
    private static func message(_ error: any Error, in locale: ConsoleLocale) -> String {
        (error as? ConsoleProblem)?.text(in: locale) ?? "\(error)"
    }

    /// A budget as the form takes it back: `50USD/month`.
    private static func budgetText(_ budget: Budget) -> String {
        "\(NSDecimalNumber(decimal: budget.amount).stringValue)\(budget.currency)/\(budget.period.rawValue)"
    }
}
