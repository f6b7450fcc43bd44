import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// A form the console posted (`application/x-www-form-urlencoded`), by field name; empty fields
/// are left out.
struct ConsoleForm: Sendable {
    private var fields: [String: String]

    init(fields: [String: String]) {
        self.fields = fields.filter { !$0.value.isEmpty }
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// The largest form read: a key, a few terms and a token fit many times over.
    static let limit = 16 * 1024

    static func read(_ request: Request) async throws(ConsoleProblem) -> ConsoleForm {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch {
            throw .badInput("The form is larger than \(limit / 1024) KiB.")
        }
        do {
            return ConsoleForm(fields: try URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body)))
        } catch {
            throw .staleForm
        }
    }

    /// Whether two tokens are equal, taking as long whichever byte differs.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
