import GatewayModel
import HTTPTypes
import Hummingbird
import Testing

@testable import GatewayServer

/// `Authorization: Bearer <key>` read on its bytes: the scheme in any case, spaces before the
/// key skipped, and each way of getting it wrong refused with its own error.
@Suite struct BearerTokenTests {
    private func token(_ authorization: String?) -> Result<String, GatewayError> {
        var fields = HTTPFields()
        if let authorization { fields[.authorization] = authorization }
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "gateway", path: "/v1/chat/completions", headerFields: fields),
            body: RequestBody(buffer: .init()))
        do throws(GatewayError) {
            return .success(String(try BearerAuthenticator.bearerToken(of: request)))
        } catch {
            return .failure(error)
        }
    }

    @Test func readsTheKeyAfterTheScheme() {
        #expect(token("Bearer sy-abc") == .success("sy-abc"))
        #expect(token("bearer sy-abc") == .success("sy-abc"))
        #expect(token("BEARER   sy-abc") == .success("sy-abc"))
        #expect(token("Bearer sy-ключ") == .success("sy-ключ"))
    }

    @Test func refusesWhatIsNotABearerKey() {
        #expect(token(nil) == .failure(.missingAPIKey))
        // A field value's surrounding spaces are not part of it: this is "Bearer".
        #expect(token("Bearer    ") == .failure(.invalidAPIKey))
        #expect(token("Bearer") == .failure(.invalidAPIKey))
        #expect(token("Basic dXNlcjpwYXNz") == .failure(.invalidAPIKey))
        #expect(token("Bearér sy-abc") == .failure(.invalidAPIKey))
    }
}
