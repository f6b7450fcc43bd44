public import GatewayModel
public import JSONScanning

extension JSONObjectIndex {
    /// A request body that must be a JSON object: a 400 (`invalid_json`) saying where it isn't.
    public init(requestBody body: [UInt8]) throws(GatewayError) {
        do {
            self = try JSONObjectIndex(document: body)
        } catch {
            throw .invalidJSON(error.description)
        }
    }
}
