public import GatewayModel

extension ChatRequest {
    /// This request with personal data in its text — system prompt, messages, tool calls and
    /// tool results — replaced by placeholders recorded in `vault`. Images are not read.
    public func maskingPersonalData(into vault: inout PersonalDataVault) -> ChatRequest {
        var masked = self
        masked.system = system.map { vault.mask($0) }
        masked.messages = messages.map { message in
            var message = message
            message.content = message.content.map { part in
                if case .text(let text) = part { .text(vault.mask(text)) } else { part }
            }
            message.toolCalls = message.toolCalls.map { call in
                var call = call
                call.arguments = vault.mask(call.arguments)
                return call
            }
            return message
        }
        return masked
    }
}

extension ChatResponse {
    /// This answer with `vault`'s placeholders put back, in its text and tool-call arguments.
    public func restoringPersonalData(from vault: PersonalDataVault) -> ChatResponse {
        var restored = self
        restored.text = vault.restore(text)
        restored.toolCalls = toolCalls.map { call in
            var call = call
            call.arguments = vault.restore(call.arguments)
            return call
        }
        return restored
    }
}
