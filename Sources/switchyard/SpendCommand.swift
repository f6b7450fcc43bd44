import ArgumentParser
import Foundation
import GatewayConfig
import Metering

/// `switchyard spend`: who spent what, grouped as asked, from the ledger.
struct SpendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spend", abstract: "Report spend from the usage ledger, grouped and filtered.")

    @OptionGroup var routes: RoutesOptions

    @Option(help: "Group by these fields, comma-separated: tenant, key, route, provider, model, region, day, month.")
    var by = "tenant"

    @OptionGroup var range: LedgerRangeOptions

    @Option(help: "Only this key id (key_…).")
    var key: String?

    @Option(help: "table, csv or json.")
    var format: String = "table"

    func run() async throws {
        let query = try LedgerQueryOptions.spendQuery(
            by: by, since: range.since, until: range.until, tenant: range.tenant, key: key)
        guard let format = SpendReportFormat(rawValue: format) else {
            throw ValidationError("--format must be table, csv or json")
        }
        let configuration = try routes.load()
        let rows = try await withLedger(configuration.ledger) { try await $0.spend(query) }
        print(format.render(rows, groupBy: query.groupBy))
    }
}

/// `--since`, `--until`, `--tenant`: which records `spend` and `ledger export` read.
struct LedgerRangeOptions: ParsableArguments {
    @Option(help: "From this day (YYYY-MM-DD, UTC) or time (ISO 8601), inclusive.")
    var since: String?

    @Option(help: "Until this day or time, exclusive.")
    var until: String?

    @Option(help: "Only this tenant.")
    var tenant: String?
}

/// `spend`'s and `ledger export`'s options, parsed as the admin API and the console parse theirs.
enum LedgerQueryOptions {
    static func filter(since: String?, until: String?, tenant: String?, key: String?) throws -> UsageFilter {
        do {
            return try UsageFilter(parsingSince: since, until: until, tenant: tenant, key: key)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    static func spendQuery(by: String, since: String?, until: String?, tenant: String?, key: String?) throws -> SpendQuery {
        do {
            return try SpendQuery(by: by, since: since, until: until, tenant: tenant, key: key)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
