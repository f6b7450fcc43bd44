import Foundation
import GatewayModel
import SQLiteNIO
import Testing

@testable import Metering
@testable import MeteringSQLite

/// The one declaration of a usage record's fields (`UsageRecord.fields`) reaches everything that
/// stores or shows a record: each format round-trips a record whose every field is set.
@Suite struct UsageFieldTests {
    static let records = (0..<6).map(UsageRecord.everyFieldSet)

    @Test func everyStoredPropertyIsDeclared() {
        let properties = Mirror(reflecting: Self.records[0]).children.count
        #expect(properties == UsageRecord.fields.count, "a stored property of UsageRecord has no UsageField")
        #expect(Set(UsageRecord.fields.map(\.name)).count == UsageRecord.fields.count)
        #expect(UsageRecord.dimensionFields.allSatisfy { $0.kind == .text && !$0.optional })
    }

    @Test func journalLinesAndCSVFollowTheDeclaration() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for record in Self.records {
            let line = UsageRecordExport.jsonLines([record])
            #expect(try decoder.decode(UsageRecord.self, from: Data(line.utf8)) == record)
        }
        let csv = UsageRecordExport.csv(Self.records).split(separator: "\n")
        #expect(
            csv.first.map(String.init)
                == (UsageRecord.fields.map(\.name) + ["input_cost", "cached_input_cost", "cache_write_cost", "output_cost", "search_cost"])
                .joined(separator: ","))
        #expect(csv.count == Self.records.count + 1)
    }

    @Test func aLineWrittenBeforeAFieldExistedTakesItsStandardValue() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let record = Self.records[0]
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(UsageRecordExport.jsonLines([record]).utf8)) as? [String: Any])
        let withStandard = UsageRecord.fields.filter { $0.standard != nil }
        for field in withStandard { object.removeValue(forKey: field.name) }
        let decoded = try decoder.decode(UsageRecord.self, from: try JSONSerialization.data(withJSONObject: object))
        for field in withStandard { #expect(field.value(of: decoded) == field.standard) }
        // A field with no standard value is required.
        object.removeValue(forKey: "tenant")
        #expect(throws: DecodingError.self) {
            try decoder.decode(UsageRecord.self, from: try JSONSerialization.data(withJSONObject: object))
        }
    }

    @Test func theSQLiteLedgerStoresEveryField() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        try await ledger.insertUsage(Self.records)
        let stored = try await ledger.usageRecords(UsageFilter())
        #expect(stored == Self.records)
        // The view lists the declaration's columns, in order.
        let columns = try await ledger.query("PRAGMA table_info(usage_records)").compactMap { $0.column("name")?.string }
        #expect(columns == UsageRecordsSQL.columns)
        // Migrating again changes nothing.
        try await ledger.migrate()
        #expect(try await ledger.usageRecords(UsageFilter()) == Self.records)
        try await ledger.close()
    }

    /// Two records of one tenant, key and route that differ only in the operation, and a report by it.
    @Test func spendIsReportedByOperationWithSearchUnits() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        var chat = UsageLedgerTests.record("chat-1")
        chat.operation = "chat"
        var rerank = UsageLedgerTests.record("rerank-1")
        rerank.operation = "rerank"
        rerank.searchUnits = 3
        try await ledger.insertUsage([chat, rerank, UsageLedgerTests.record("chat-2")])
        let rows = try await ledger.spend(SpendQuery(groupBy: [.operation]))
        #expect(rows.map(\.groups) == [["chat"], ["rerank"]])
        #expect(rows.map(\.requests) == [2, 1])
        #expect(rows.map { $0.total("search_units") } == [0, 3])
        let dimensionRows = try await ledger.query("SELECT COUNT(*) AS n FROM usage_dimensions").first?.column("n")?.integer
        #expect(dimensionRows == 2)
        let table = SpendReportFormat.csv.render(rows, groupBy: [.operation])
        #expect(
            table.hasPrefix(
                "operation,requests,input_tokens,cached_input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,output_tokens,reasoning_tokens,search_units,cache_savings,cost,currency"
            ))
        try await ledger.close()
    }
}
