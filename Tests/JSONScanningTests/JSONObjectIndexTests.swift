import JSONScanning
import Testing

@Suite struct JSONObjectIndexTests {
    func index(_ text: String) throws -> JSONObjectIndex {
        try JSONObjectIndex(document: Array(text.utf8))
    }

    @Test func readsTopLevelMembersWithoutDecodingTheRest() throws {
        let json = #"{"model":"chat","stream":true,"n":3,"messages":[{"role":"user","content":"hi \"there\""}],"x":null}"#
        let index = try index(json)
        #expect(index.members.map(\.key) == ["model", "stream", "n", "messages", "x"])
        #expect(index.string("model") == "chat")
        #expect(index.bool("stream") == true)
        #expect(index.int("n") == 3)
        #expect(index.arrayCount("messages") == 1)
        #expect(index["x"]?.kind == .null)
        #expect(index["missing"] == nil)
    }

    @Test func decodesEscapesInStrings() throws {
        let index = try index(#"{"model":"a\"b\\c\u00e9\n"}"#)
        #expect(index.string("model") == "a\"b\\cé\n")
    }

    @Test func readsNestedObjects() throws {
        let index = try index(#"{"usage":{"prompt_tokens":12,"prompt_tokens_details":{"cached_tokens":4}}}"#)
        let usage = try #require(index.object("usage"))
        #expect(usage.int("prompt_tokens") == 12)
        #expect(usage.object("prompt_tokens_details")?.int("cached_tokens") == 4)
    }

    @Test(arguments: [
        ("", "the body is empty"),
        ("[1,2]", "expected a JSON object"),
        (#"{"a":1"#, "unexpected end of data inside an object"),
        (#"{"a":tru}"#, "invalid literal"),
        (#"{"a":01}"#, "expected ',' or '}'"),
        (#"{"a":"x}"#, "unterminated string"),
        (#"{"a":1}x"#, "unexpected data after the JSON value"),
        (#"{"a":[1,]}"#, "unexpected character ']'"),
        ("{\"a\":\"\u{01}\"}", "unescaped control character in a string"),
        (#"{a:1}"#, "expected a string key"),
    ])
    func rejectsMalformedJSON(text: String, reason: String) {
        #expect {
            try JSONObjectIndex(document: Array(text.utf8))
        } throws: { error in
            (error as? JSONScanError)?.reason == reason
        }
    }

    @Test func rejectsHostileNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONScanError.self) { try JSONObjectIndex(document: Array(#"{"a":\#(deep)}"#.utf8)) }
    }

    @Test func editorReplacesAndAppendsMembersKeepingOtherBytes() throws {
        let original = #"{ "model" : "chat", "messages":[{"role":"user","content":"x"}] , "stream":true }"#
        var editor = JSONObjectEditor(try index(original))
        editor.set("model", string: "deepseek-chat")
        editor.set("stream_options", json: Array(#"{"include_usage":true}"#.utf8))
        let edited = String(decoding: editor.bytes(), as: UTF8.self)
        #expect(
            edited
                == #"{ "model" : "deepseek-chat", "messages":[{"role":"user","content":"x"}] , "stream":true ,"stream_options":{"include_usage":true}}"#
        )
        #expect(try index(edited).object("stream_options")?.bool("include_usage") == true)
    }

    @Test func editorAppendsToAnEmptyObject() throws {
        var editor = JSONObjectEditor(try index("{}"))
        editor.set("a", string: "b\"c")
        #expect(String(decoding: editor.bytes(), as: UTF8.self) == #"{"a":"b\"c"}"#)
    }

    @Test(arguments: [
        (#"{"a":1,"id":2,"b":3}"#, ["id"], #"{"a":1,"b":3}"#),
        (#"{"id":2, "a":1}"#, ["id"], #"{"a":1}"#),
        (#"{"a":1 , "id":2 }"#, ["id"], #"{"a":1 }"#),
        (#"{"a":1,"id":2,"st":3}"#, ["id", "st"], #"{"a":1}"#),
        (#"{"a":1,"id":2,"id":3}"#, ["id"], #"{"a":1}"#),
        (#"{"id":1,"st":2}"#, ["id", "st"], "{}"),
        (#"{"a":{"id":1}}"#, ["id"], #"{"a":{"id":1}}"#),
    ])
    func editorRemovesMembersWithTheirCommas(original: String, keys: [String], expected: String) throws {
        var editor = JSONObjectEditor(try index(original))
        for key in keys { editor.remove(key) }
        let edited = String(decoding: editor.bytes(), as: UTF8.self)
        #expect(edited == expected)
        _ = try index(edited)
    }

    @Test func editorAppendsAfterRemovingEveryMember() throws {
        var editor = JSONObjectEditor(try index(#"{"id":1}"#))
        editor.remove("id")
        editor.set("a", json: Array("2".utf8))
        #expect(String(decoding: editor.bytes(), as: UTF8.self) == #"{"a":2}"#)
    }
}

extension JSONObjectIndexTests {
    @Test func arraysAreWalkedToTheirEndEmptyOrNot() throws {
        #expect(try JSONArrayElements.of(document: Array(" [ ] ".utf8)).isEmpty)
        #expect(
            try JSONArrayElements.of(document: Array(#"[1, "a", {"b":[]}]"#.utf8)).map { String(decoding: $0, as: UTF8.self) } == [
                "1", #""a""#, #"{"b":[]}"#,
            ])
        #expect(throws: JSONScanError.self) { try JSONArrayElements.of(document: Array("[1,]".utf8)) }
        let index = try index(#"{"empty":[],"items":[{"a":1},7,{"b":2}],"n":3}"#)
        #expect(index.arrayCount("empty") == 0 && index.arrayCount("items") == 3)
        #expect(index.objects(inArray: "empty")?.isEmpty == true)
        #expect(index.objects(inArray: "items")?.map { $0.members.map(\.key) } == [["a"], ["b"]])
        #expect(index.int("n") == 3 && index.double("n") == 3)
    }
}

extension JSONObjectIndexTests {
    @Test func aStringElementIsReadWithItsEscapes() throws {
        let elements = try JSONArrayElements.of(document: Array(#"["a \"b\" \u00e9\n", 7, {"text":"x"}]"#.utf8))
        #expect(JSONArrayElements.string(elements[0]) == "a \"b\" é\n")
        #expect(JSONArrayElements.string(elements[1]) == nil && JSONArrayElements.string(elements[2]) == nil)
        #expect(JSONArrayElements.string(ArraySlice(Array(#""a" x"#.utf8))) == nil)
    }
}
