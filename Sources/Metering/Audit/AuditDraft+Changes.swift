import GatewayModel

/// The drafts of the changes the gateway and its CLI make, so every writer describes a change
/// the same way.
extension AuditDraft {
    /// A key created: its tenant and terms (never the key).
    public static func keyCreated(_ record: VirtualKeyRecord, by actor: String, from source: String) -> AuditDraft {
        var detail = ["tenant": record.tenant]
        if let budget = record.budget { detail["budget"] = budget.description }
        if let rpm = record.limits.requestsPerMinute { detail["rpm"] = String(rpm) }
        if let tpm = record.limits.tokensPerMinute { detail["tpm"] = String(tpm) }
        if !record.allowedRoutes.isEmpty { detail["allowed_routes"] = record.allowedRoutes.joined(separator: ",") }
        return AuditDraft(actor: actor, action: .keyCreated, subject: record.id, detail: detail, source: source)
    }

    /// A key's terms changed: `budget.set` when its budget did, `key.changed` when its limits or
    /// allowed routes did (both when both did), each with the new terms and the ones they replace.
    public static func keyChanged(from old: VirtualKeyRecord, to new: VirtualKeyRecord, by actor: String, from source: String)
        -> [AuditDraft]
    {
        var drafts: [AuditDraft] = []
        if old.budget != new.budget {
            drafts.append(
                AuditDraft(
                    actor: actor, action: .budgetSet, subject: new.id,
                    detail: [
                        "tenant": new.tenant, "budget": new.budget?.description ?? "none",
                        "previous": old.budget?.description ?? "none",
                    ], source: source))
        }
        var changed: [String: String] = [:]
        func note(_ name: String, _ before: String, _ after: String) {
            if before != after {
                changed[name] = after
                changed["previous_\(name)"] = before
            }
        }
        note("rpm", old.limits.requestsPerMinute.map(String.init) ?? "none", new.limits.requestsPerMinute.map(String.init) ?? "none")
        note("tpm", old.limits.tokensPerMinute.map(String.init) ?? "none", new.limits.tokensPerMinute.map(String.init) ?? "none")
        note("allowed_routes", old.allowedRoutes.joined(separator: ","), new.allowedRoutes.joined(separator: ","))
        if !changed.isEmpty {
            changed["tenant"] = new.tenant
            drafts.append(AuditDraft(actor: actor, action: .keyChanged, subject: new.id, detail: changed, source: source))
        }
        return drafts
    }

    public static func keyRevoked(_ id: String, by actor: String, from source: String) -> AuditDraft {
        AuditDraft(actor: actor, action: .keyRevoked, subject: id, source: source)
    }

    /// The configuration a gateway serves from, named by the SHA-256 of its files.
    public static func configuration(loaded hash: String, reload trigger: String?) -> AuditDraft {
        AuditDraft(
            actor: "gateway", action: trigger == nil ? .configurationLoaded : .configurationReloaded, subject: hash,
            detail: trigger.map { ["trigger": $0] } ?? [:])
    }

    /// A closed day's usage records sealed: their count and hash.
    public static func daySealed(_ seal: DaySeal, by actor: String) -> AuditDraft {
        AuditDraft(actor: actor, action: .daySealed, subject: seal.day, detail: ["records": String(seal.records), "hash": seal.hash])
    }
}

extension AuditChain {
    /// Appends `draft` when `ledger` keeps an audit trail (both databases do; a test double may not).
    @discardableResult
    public static func record(_ draft: AuditDraft, in ledger: any Ledger) async throws -> AuditEntry? {
        guard let store = ledger as? any AuditStore else { return nil }
        return try await append(draft, to: store)
    }
}
