import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// One signed-in request to the console, as a page sees it.
struct ConsoleVisit {
    let gateway: Gateway
    let session: ConsoleSession
    let locale: ConsoleLocale
    let request: Request
    let context: GatewayRequestContext

    /// The query's parameters (the last of a repeated name counts), empty ones left out: a
    /// filter form sends every field, filled or not.
    var parameters: [String: String] {
        var values: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where !value.isEmpty { values[String(name)] = String(value) }
        return values
    }

    /// The tenant this session is held to; nil for the admin.
    var tenant: String? { session.principal.tenant }

    var isAdmin: Bool { session.principal.isAdmin }

    func requireAdmin() throws(ConsoleProblem) {
        guard isAdmin else { throw .adminOnly }
    }

    /// The tenant a page shows: a tenant's session its own, whatever it asks (asking for another
    /// is refused, so an edited URL can't widen it); the admin what it asks, or every tenant.
    func scopedTenant(asked: String?) throws(ConsoleProblem) -> String? {
        guard let own = tenant else { return asked }
        if let asked, asked != own { throw .otherTenant }
        return own
    }

    /// Runs a ledger read within the admin API's time bound; a database that doesn't answer is 503 on the page.
    func ledger<Value: Sendable>(_ what: String, _ read: @escaping @Sendable (any Ledger) async throws -> Value)
        async throws(ConsoleProblem) -> Value
    {
        let ledger = gateway.ledger
        do {
            return try await LedgerAccess.run(what, logger: context.logger) { try await read(ledger) }
        } catch {
            throw .ledgerDown
        }
    }

    /// Reads what the gateway has recorded first (read-your-writes, as the admin API does).
    func committedLedger<Value: Sendable>(_ what: String, _ read: @escaping @Sendable (any Ledger) async throws -> Value)
        async throws(ConsoleProblem) -> Value
    {
        let meter = gateway.meter
        return try await ledger(what) { ledger in
            try? await meter?.commit()
            return try await read(ledger)
        }
    }

    func text(_ key: String) -> String { locale.text(key) }
}
