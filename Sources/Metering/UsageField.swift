public import Foundation

/// One field of a usage record, declared once in ``UsageRecord/fields``: its name (the journal's
/// and the exports' key, the ledgers' column), what kind of value it holds, where the ledgers
/// keep it and whether reports add it up. The journal writer and reader, CSV, both ledgers'
/// tables, views, inserts and reads, and the report queries all follow the declaration, so a
/// field added there reaches every one of them.
public struct UsageField: Sendable {
    public enum Kind: Sendable, Hashable {
        case text
        case integer
        case boolean
        /// Nano-units of a currency: an integer in the ledgers (column `<name>_nanos`), exact
        /// decimal text in the journal and exports.
        case money
        /// A UTC instant: `2026-11-24T01:02:03Z` (sortable as text).
        case time
    }

    /// Where the ledgers keep it: with the who-and-where that repeats across records
    /// (`usage_dimensions`, stored once per combination), or with each attempt.
    public enum Place: Sendable, Hashable {
        case dimension
        case attempt
    }

    public let name: String
    public let kind: Kind
    /// May be null (`ttft_ms` of an answer that never began).
    public let optional: Bool
    public let place: Place
    /// Added up in spend reports (and PostgreSQL's day totals).
    public let summed: Bool
    /// What a record written before the field existed holds (old journal lines, ledger rows).
    public let standard: UsageValue?
    /// Declared after day seals began (``LedgerSeals``): a record holding the standard value is
    /// hashed without the field, so a day sealed before it existed still verifies.
    public let addedAfterSeals: Bool
    let get: @Sendable (UsageRecord) -> UsageValue
    let set: @Sendable (inout UsageRecord, UsageValue) -> Void

    init(
        _ name: String, _ kind: Kind, optional: Bool = false, place: Place = .attempt, summed: Bool = false,
        standard: UsageValue? = nil, addedAfterSeals: Bool = false, get: @escaping @Sendable (UsageRecord) -> UsageValue,
        set: @escaping @Sendable (inout UsageRecord, UsageValue) -> Void
    ) {
        precondition(!addedAfterSeals || standard != nil, "a field added after seals needs a standard value")
        self.addedAfterSeals = addedAfterSeals
        self.name = name
        self.kind = kind
        self.optional = optional
        self.place = place
        self.summed = summed
        self.standard = standard
        self.get = get
        self.set = set
    }

    /// The ledgers' column: the name, with `_nanos` for money.
    public var column: String { kind == .money ? name + "_nanos" : name }

    /// `record`'s value of this field.
    public func value(of record: UsageRecord) -> UsageValue { get(record) }
}

/// A usage record field's value, as every format that stores or shows it reads it.
public enum UsageValue: Sendable, Hashable {
    case null
    case text(String)
    /// Integers, and money in nano-units.
    case integer(Int64)
    case boolean(Bool)
    case time(Date)

    public var text: String? { if case .text(let text) = self { text } else { nil } }
    public var integer: Int64? { if case .integer(let integer) = self { integer } else { nil } }
}

/// Each field reads and writes its property through closures, not key paths: a record is written
/// field by field for every request, and a key path applied through an existential cost several
/// times a closure's direct access.
extension UsageField {
    static func text(
        _ name: String, place: Place = .attempt, standard: String? = nil, addedAfterSeals: Bool = false,
        _ get: @escaping @Sendable (UsageRecord) -> String, _ set: @escaping @Sendable (inout UsageRecord, String) -> Void
    ) -> UsageField {
        UsageField(
            name, .text, place: place, standard: standard.map(UsageValue.text), addedAfterSeals: addedAfterSeals,
            get: { .text(get($0)) },
            set: { record, value in set(&record, value.text ?? "") })
    }

    static func integer(
        _ name: String, summed: Bool = false, standard: Int? = nil, addedAfterSeals: Bool = false,
        _ get: @escaping @Sendable (UsageRecord) -> Int, _ set: @escaping @Sendable (inout UsageRecord, Int) -> Void
    ) -> UsageField {
        UsageField(
            name, .integer, summed: summed, standard: standard.map { .integer(Int64($0)) }, addedAfterSeals: addedAfterSeals,
            get: { .integer(Int64(get($0))) },
            set: { record, value in set(&record, value.integer.map { Int(clamping: $0) } ?? 0) })
    }

    static func optionalInteger(
        _ name: String, _ get: @escaping @Sendable (UsageRecord) -> Int?, _ set: @escaping @Sendable (inout UsageRecord, Int?) -> Void
    ) -> UsageField {
        UsageField(
            name, .integer, optional: true, get: { get($0).map { .integer(Int64($0)) } ?? .null },
            set: { record, value in set(&record, value.integer.map { Int(clamping: $0) }) })
    }

    static func money(
        _ name: String, summed: Bool = false, standard: Int64? = nil, addedAfterSeals: Bool = false,
        _ get: @escaping @Sendable (UsageRecord) -> Int64, _ set: @escaping @Sendable (inout UsageRecord, Int64) -> Void
    ) -> UsageField {
        UsageField(
            name, .money, summed: summed, standard: standard.map(UsageValue.integer), addedAfterSeals: addedAfterSeals,
            get: { .integer(get($0)) },
            set: { record, value in set(&record, value.integer ?? 0) })
    }

    static func optionalMoney(
        _ name: String, _ get: @escaping @Sendable (UsageRecord) -> Int64?,
        _ set: @escaping @Sendable (inout UsageRecord, Int64?) -> Void
    ) -> UsageField {
        UsageField(
            name, .money, optional: true, get: { get($0).map(UsageValue.integer) ?? .null },
            set: { record, value in set(&record, value.integer) })
    }

    /// A text field holding one of `Choice`'s raw values (`fallback` for any other).
    static func choice<Choice: RawRepresentable<String>>(
        _ name: String, otherwise fallback: Choice, _ get: @escaping @Sendable (UsageRecord) -> Choice,
        _ set: @escaping @Sendable (inout UsageRecord, Choice) -> Void
    ) -> UsageField where Choice: Sendable {
        UsageField(
            name, .text, get: { .text(get($0).rawValue) },
            set: { record, value in set(&record, value.text.flatMap(Choice.init(rawValue:)) ?? fallback) })
    }
}
