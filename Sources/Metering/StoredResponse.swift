public import Foundation

/// A Responses API answer the gateway keeps (`store: true`), so `previous_response_id` can
/// continue its conversation on whichever provider the route picks next, and
/// `GET /v1/responses/{id}` can return it. Kept in the ledger database, per tenant, until it
/// expires (`responses: { retention: … }`).
public struct StoredResponse: Sendable, Hashable {
    public var id: String
    public var tenant: String
    public var createdAt: Date
    public var expiresAt: Date
    /// The conversation up to and including this response, as Responses input items: a JSON
    /// array of the earlier items, this request's input and this response's output.
    public var items: String
    /// How many of `items` were this response's input (the conversation before it included);
    /// the rest are its output.
    public var inputCount: Int
    /// The Response object as the app received it (JSON).
    public var response: String

    public init(id: String, tenant: String, createdAt: Date, expiresAt: Date, items: String, inputCount: Int, response: String) {
        self.id = id
        self.tenant = tenant
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.items = items
        self.inputCount = inputCount
        self.response = response
    }
}

/// Where stored responses live: the ledger database (SQLite or PostgreSQL), so replicas share
/// conversations as they share keys and budgets.
public protocol ResponseStore: Sendable {
    func saveResponse(_ response: StoredResponse) async throws
    /// The tenant's response with this id, unless it expired before `now`; another tenant's is
    /// never returned.
    func storedResponse(id: String, tenant: String, now: Date) async throws -> StoredResponse?
    /// False when the tenant has no response with this id.
    func deleteStoredResponse(id: String, tenant: String) async throws -> Bool
    /// Removes every response that expired before `now`; returns how many.
    func deleteExpiredResponses(now: Date) async throws -> Int
}
