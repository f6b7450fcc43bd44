/// The JSON type of a scanned value, known without decoding it.
public enum JSONValueKind: Sendable, Hashable {
    case object, array, string, number, `true`, `false`, null

    public var name: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .true, .false: "boolean"
        case .null: "null"
        }
    }
}
