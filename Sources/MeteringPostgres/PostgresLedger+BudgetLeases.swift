import Foundation
import GatewayModel
public import Metering
import PostgresNIO

extension PostgresLedger: BudgetLeaseStore {
    /// All of a replica's exchanges in one statement (one transaction): the accounts are locked
    /// in the order given, which every replica sorts the same way.
    public func exchangeLeases(_ exchanges: [BudgetLeaseExchange], replica: String, leaseDuration: Duration) async throws
        -> [BudgetLeaseGrant]
    {
        guard !exchanges.isEmpty else { return [] }
        var bindings = PostgresBindings()
        bindings.append(exchanges.map(\.scope))
        bindings.append(exchanges.map(\.period.rawValue))
        bindings.append(exchanges.map(\.periodStart))
        bindings.append(exchanges.map { Money.nanos($0.limit) })
        bindings.append(exchanges.map { Money.nanos($0.openingSpent) })
        bindings.append(exchanges.map { Money.nanos($0.spent) })
        bindings.append(exchanges.map { Money.nanos($0.acknowledged) })
        bindings.append(exchanges.map { Money.nanos($0.heldBefore) })
        bindings.append(exchanges.map { Money.nanos($0.target) })
        bindings.append(exchanges.map { Money.nanos($0.neededTopUp) })
        bindings.append(exchanges.map { Money.nanos($0.minimumTopUp) })
        bindings.append(replica)
        bindings.append(leaseDuration / .seconds(1))
        let sql = """
            SELECT x.n, e.held, e.used
            FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                    $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[]) WITH ORDINALITY
                AS x (scope, period, period_start, limit_nanos, opening, spent, acknowledged, believed, target, needed, minimum, n),
                LATERAL switchyard_exchange_lease(x.scope, x.period, x.period_start, $12, x.limit_nanos, x.opening, x.spent,
                    x.acknowledged, x.believed, x.target, x.needed, x.minimum, $13) AS e
            ORDER BY x.n
            """
        do {
            var grants: [BudgetLeaseGrant] = []
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            for try await (_, held, used) in rows.decode((Int64, Int64, Int64).self) {
                grants.append(BudgetLeaseGrant(held: Money.amount(nanos: held), usedEverywhere: Money.amount(nanos: used)))
            }
            guard grants.count == exchanges.count else {
                throw PostgresLedgerError("the budget exchange answered \(grants.count) of \(exchanges.count) accounts")
            }
            return grants
        } catch let error as PostgresLedgerError {
            throw error
        } catch {
            throw PostgresLedgerError("the ledger database refused a budget exchange: \(Self.reason(error))")
        }
    }
}
