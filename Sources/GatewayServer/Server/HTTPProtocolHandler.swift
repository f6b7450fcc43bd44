import Dialects
import GatewayModel
import NIOCore
import NIOHTTP1

/// What HTTP/1 itself asks of a server that Hummingbird's HTTP-types layer can't see, between
/// NIO's codec and Hummingbird's:
///
/// - **HTTP/1.0.** A 1.0 client gets a 1.0 response, and the connection is closed after it
///   unless the client asked for keep-alive and the response has a length. A streamed answer
///   (no length) is close-delimited: 1.0 has no chunked encoding.
/// - **Unparseable requests** (bad header bytes, a NUL in a name, too many headers, broken
///   chunked framing before a request is read): the 400 Hummingbird writes with an empty body
///   gets OpenAI's error shape with the cause; a second answer for a request already answered
///   (the parser failing mid-body after the gateway replied) is dropped.
final class HTTPProtocolHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What a response must honour of the request it answers: the latest request's (a client
    /// pipelining requests of different HTTP versions on one connection is not one to serve well).
    private struct Asked {
        var version: HTTPVersion
        var keepAlive: Bool
    }

    private var asked: Asked?
    private var closeAfterResponse = false
    /// The parser failed: the cause, for the 400 that follows.
    private var parserError: HTTPParserError?
    /// Responses fully written, and request heads seen.
    private var requests = 0
    private var responses = 0
    /// A request's head is in and its end is not.
    private var readingBody = false
    /// The parser failed inside a request's body (so that request may have been answered).
    private var failedMidRequest = false
    /// Dropping a response that would be a second answer to one request.
    private var discarding = false
    /// The 400 for a parser error, held until its end so the empty body can be replaced.
    private var replacingErrorBody = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requests += 1
            readingBody = true
            asked = Asked(version: head.version, keepAlive: head.isKeepAlive)
        case .body:
            break
        case .end:
            readingBody = false
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError, parserError == nil {
            parserError = error
            failedMidRequest = readingBody
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            if parserError != nil, failedMidRequest, responses >= requests, head.status == .badRequest {
                // The parser failed after this request was answered: don't answer it twice.
                discarding = true
                promise?.succeed(())
                return
            }
            if let request = asked, request.version.major == 1, request.version.minor == 0 {
                head.version = .http1_0
                if !request.keepAlive || !head.headers.contains(name: "content-length") {
                    closeAfterResponse = true
                    head.headers.replaceOrAdd(name: "connection", value: "close")
                } else {
                    head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
                }
            }
            if let parserError, head.status == .badRequest, head.headers.first(name: "content-length") == "0" {
                let body = Self.errorBody(parserError)
                head.headers.replaceOrAdd(name: "content-type", value: "application/json")
                head.headers.replaceOrAdd(name: "content-length", value: String(body.count))
                replacingErrorBody = true
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
                return
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            if discarding || replacingErrorBody {
                promise?.succeed(())
                return
            }
            context.write(data, promise: promise)
        case .end:
            if discarding {
                discarding = false
                promise?.succeed(())
                context.close(promise: nil)
                return
            }
            replacingErrorBody = false
            responses += 1
            guard closeAfterResponse else {
                context.write(data, promise: promise)
                return
            }
            let channel = context.channel
            context.writeAndFlush(data).whenComplete { result in
                promise?.completeWith(result)
                channel.close(promise: nil)
            }
        }
    }

    /// The 400 for a request the parser could not read, in OpenAI's error shape.
    static func errorBody(_ error: HTTPParserError) -> [UInt8] {
        OpenAIErrorFormat.body(
            for: .invalidRequest("The request is not valid HTTP/1.1: \(Self.cause(of: error)).", code: "invalid_http_request"))
    }

    static func cause(of error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: "its headers are too large or too many"
        case .invalidHeaderToken: "a header name or value holds a byte HTTP does not allow"
        case .invalidChunkSize: "a chunk size of the chunked body is not valid hexadecimal"
        case .invalidContentLength: "content-length is not valid"
        case .unexpectedContentLength: "it carries both content-length and transfer-encoding"
        case .invalidEOFState: "the body ended early"
        case .invalidVersion: "the HTTP version is not valid"
        case .invalidMethod: "the method is not valid"
        case .invalidURL: "the request target is not valid"
        case .lfExpected, .strictModeAssertion: "a line is not ended by CRLF"
        case .invalidCharactersUsed: "it holds characters HTTP does not allow"
        case .trailingGarbage: "bytes follow the end of the message"
        case .invalidConstant: "its framing is not valid"
        default: "\(error)"
        }
    }
}
