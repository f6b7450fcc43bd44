import HTTPTypes
import Synchronization

/// The last requests a mock received, served at `GET /mock/requests` so tests can check
/// exactly what the gateway sent upstream (rewritten model, usage option, credentials).
final class MockRequestLog: Sendable {
    struct Entry: Sendable {
        /// The request line's path (which endpoint was called).
        var path: String
        var authorization: String?
        var body: String
        /// Every request header by lowercased name (repeated ones joined with ", ").
        var headers: [String: String] = [:]

        init(path: String, authorization: String?, body: String, headers: HTTPFields = [:]) {
            self.path = path
            self.authorization = authorization
            self.body = body
            for field in headers {
                let name = field.name.canonicalName
                self.headers[name] = self.headers[name].map { "\($0), \(field.value)" } ?? field.value
            }
        }
    }

    private let entries = Mutex<[Entry]>([])
    private let total = Atomic<Int>(0)
    static let capacity = 200

    func append(_ entry: Entry) {
        total.add(1, ordering: .relaxed)
        entries.withLock {
            $0.append(entry)
            if $0.count > Self.capacity { $0.removeFirst($0.count - Self.capacity) }
        }
    }

    var snapshot: (total: Int, entries: [Entry]) {
        (total.load(ordering: .relaxed), entries.withLock { $0 })
    }

    func reset() {
        entries.withLock { $0.removeAll() }
        total.store(0, ordering: .relaxed)
    }
}
