import Foundation
import GatewayConfig
import GatewayModel
import Logging
import NIOCore
import NIOSSL
import Testing

@testable import Providers

/// https providers: a private deployment behind its own CA is reachable once `ca_file` names
/// that CA, and refused (as unreachable, naming TLS) without it.
@Suite struct UpstreamTLSTests {
    /// A fresh self-signed certificate for `localhost`, made with the openssl tool.
    static func makeCertificate(in folder: URL) throws -> (certificate: String, key: String) {
        let certificate = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return (certificate, key)
    }

    @Test func aPrivateCAIsTrustedOnlyWhenConfigured() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (certificate, key) = try Self.makeCertificate(in: folder)
        let serverTLS = try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))))
        let server = try await ScriptedUpstream.start(tls: serverTLS)
        let logger = Logger(label: "test")

        let trusting = ProviderConfiguration(
            name: "private", dialect: .openAI, baseURL: server.baseURL("ok", scheme: "https", host: "localhost"),
            caFile: certificate)
        let untrusting = ProviderConfiguration(
            name: "public-roots", dialect: .openAI, baseURL: server.baseURL("ok", scheme: "https", host: "localhost"))
        let trusted = UpstreamEndpoint(configuration: trusting, apiKey: Secret("sk-private"))
        let refused = UpstreamEndpoint(configuration: untrusting, apiKey: Secret("sk-other"))
        try await UpstreamClients.withClients(for: [trusted, refused], logger: logger) { clients in
            let response = try await clients.post(Array("{}".utf8), to: trusted, requestID: "r", logger: logger)
            #expect(String(buffer: try await response.collect(upTo: 1 << 20)) == #"{"ok":"ok"}"#)

            let failure = await #expect(throws: UpstreamFailure.self) {
                _ = try await clients.post(Array("{}".utf8), to: refused, requestID: "r", logger: logger)
            }
            #expect(failure?.kind == .unreachable)
            #expect(failure?.detail.contains("TLS") == true)
            #expect(failure?.detail.contains("sk-other") == false)
        }
        try await server.stop()
    }
}
