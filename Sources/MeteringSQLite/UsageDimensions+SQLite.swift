import Metering

extension UsageDimensions {
    /// Inserts the row if it's new and returns its id either way (a no-op update makes
    /// `RETURNING` answer for an existing row too).
    static let upsert = """
        INSERT INTO usage_dimensions (\(columns.joined(separator: ", ")))
        VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
        ON CONFLICT (\(columns.joined(separator: ", "))) DO UPDATE SET tenant = excluded.tenant
        RETURNING id
        """
}
