import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console/audit` (the admin's only): the audit trail newest first, a page at a time
/// (`page=1` is the newest), and on request (`verify=1`) the chain and the sealed days checked
/// as `switchyard audit verify` and `switchyard ledger verify` check them.
enum AuditPage {
    static let pageSize = 100

    static let template = """
        <form class="filters" method="get" action="/console/audit">
        <input type="hidden" name="verify" value="1"><button type="submit" id="verify">{{t.verify_chain}}</button>
        </form>
        {{#verified}}<p class="{{verifiedClass}}" id="verified">{{verified}}</p>{{/verified}}
        <div class="table-wrap"><table id="audit">
        <thead><tr><th scope="col">{{t.sequence}}</th><th scope="col">{{t.time}}</th><th scope="col">{{t.actor}}</th><th scope="col">{{t.action}}</th><th scope="col">{{t.subject}}</th><th scope="col">{{t.detail}}</th><th scope="col">{{t.source}}</th></tr></thead>
        <tbody>{{#entries}}<tr><td class="num">{{sequence}}</td><td>{{time}}</td><td>{{actor}}</td><td>{{action}}</td><td><code>{{subject}}</code></td><td><code>{{detail}}</code></td><td>{{source}}</td></tr>{{/entries}}</tbody>
        </table></div>
        {{^entries}}<p class="hint">{{t.nothing_yet}}</p>{{/entries}}
        <p>{{#newerHref}}<a href="{{newerHref}}">← </a> {{/newerHref}}{{#olderHref}}<a href="{{olderHref}}" id="older">{{t.next_page}} →</a>{{/olderHref}}</p>
        """

    static func view(_ visit: ConsoleVisit) async throws -> ConsoleDraw {
        try visit.requireAdmin()
        let locale = visit.locale
        guard let store = visit.gateway.ledger as? any AuditStore else { throw ConsoleProblem.notFound }
        let page: Int
        if let text = visit.parameters["page"] {
            guard let number = Int(text), number >= 1 else { throw ConsoleProblem.badInput("page must be a whole number from 1") }
            page = number
        } else {
            page = 1
        }
        let last = try await visit.ledger("the audit trail") { _ in try await store.lastAuditEntry()?.sequence ?? 0 }
        // Page 1 ends at the newest entry; a page past the oldest is out of range (not an empty page).
        let (end, overflow) = Int64(page - 1).multipliedReportingOverflow(by: Int64(pageSize))
        guard !overflow, page == 1 || end < last else { throw ConsoleProblem.pageTooFar }
        let newest = last - end
        let from = max(1, newest - Int64(pageSize) + 1)
        let entries = try await visit.ledger("the audit trail") { _ in
            try await store.auditEntries(from: from, limit: Int(newest - from + 1))
        }
        var values: [String: Any] = [
            "entries": entries.reversed().map { entry -> [String: Any] in
                [
                    "sequence": entry.sequence, "time": UTCTimestamp.text(entry.time), "actor": entry.actor, "action": entry.action,
                    "subject": entry.subject, "detail": entry.detail, "source": entry.source,
                ]
            }
        ]
        if from > 1 { values["olderHref"] = "/console/audit?page=\(page + 1)" }
        if page > 1 { values["newerHref"] = "/console/audit?page=\(page - 1)" }
        if visit.parameters["verify"] == "1" {
            let ledger = visit.gateway.ledger
            let (chain, seals) = try await visit.ledger("verifying the audit trail") { _ in
                (try await AuditChain.verify(store), try? await LedgerSeals.verify(ledger))
            }
            var lines: [String] = []
            if let found = chain.break {
                lines.append("\(locale.text("chain_broken")) \(found)")
            } else {
                lines.append("\(locale.text("chain_intact")) \(locale.number(chain.checked)) \(locale.text("entries"))")
            }
            if let seals {
                if let mismatch = seals.mismatch {
                    lines.append("\(locale.text("ledger_broken")) \(mismatch)")
                } else {
                    lines.append("\(locale.text("ledger_intact")) \(locale.number(seals.checked)) \(locale.text("seals"))")
                }
            }
            values["verified"] = lines.joined(separator: " · ")
            values["verifiedClass"] = chain.break == nil && seals?.mismatch == nil ? "notice" : "problem"
        }
        return .page(ConsoleView(title: locale.text("audit"), template: "audit", values: values))
    }
}
