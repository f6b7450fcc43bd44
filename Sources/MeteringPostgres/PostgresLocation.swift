import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL ledger lives, read from a `postgres://user:password@host:port/database`
/// URL (`?sslmode=require` for TLS).
///
/// Its `description` leaves the password out, so the location can be logged and put in errors.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    var password: String?
    public var database: String
    public var requiresTLS: Bool

    /// Parses `url`; the error never repeats the password.
    public init(url: String) throws(PostgresLocationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme)
        else { throw PostgresLocationError("expected postgres://user:password@host:port/database") }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresLocationError("the PostgreSQL URL names no host (postgres://user:password@host:port/database)")
        }
        guard let username = components.user, !username.isEmpty else {
            throw PostgresLocationError("the PostgreSQL URL names no user (postgres://user:password@host:port/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw PostgresLocationError("the PostgreSQL URL names no database (postgres://user:password@host:port/database)")
        }
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard ["disable", "require"].contains(mode) else {
            throw PostgresLocationError("sslmode '\(mode)' is not supported; use sslmode=disable or sslmode=require")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.requiresTLS = mode == "require"
    }

    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":<redacted>")@\(host):\(port)/\(database)\(requiresTLS ? "?sslmode=require" : "")"
    }

    /// One connection's configuration (the first check `PostgresLedger.open` makes).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: requiresTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// The client configuration: `maximumConnections` pooled connections.
    func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: requiresTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}

/// A PostgreSQL URL that can't be used, said without its password.
public struct PostgresLocationError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
