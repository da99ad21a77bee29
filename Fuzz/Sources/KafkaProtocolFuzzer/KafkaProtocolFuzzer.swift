import CFuzzerDriver
import KafkaProtocol
import NIOCore

/// The process entry point (see Package.swift): runs libFuzzer with our callback.
@_cdecl("KafkaProtocolFuzzer_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}

/// libFuzzer entry point. The first input byte picks what to decode, so one corpus
/// covers the frame decoder, requests, responses and record batches:
///
/// - 0: a byte stream cut into frames, each decoded as a request
/// - 1: one request frame body
/// - 2: one response frame body; the next three bytes give API key index and version
/// - 3: a fetched `records` blob: every batch parsed, CRC checked, records decoded
///
/// Decoding may throw `KafkaProtocolError`; anything else (a trap, a sanitizer
/// report, unbounded memory) is a finding.
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let payload = ByteBuffer(bytes: input.dropFirst())
    switch input[0] % 4 {
    case 0: fuzzFrames(payload)
    case 1: _ = try? KafkaRequest(frame: payload)
    case 2: fuzzResponse(payload)
    default: FuzzRecords.decodeAll(payload)
    }
    return 0
}

private func fuzzFrames(_ stream: ByteBuffer) {
    let processor = NIOSingleStepByteToMessageProcessor(KafkaFrameDecoder(maximumFrameSize: 1 << 20))
    try? processor.process(buffer: stream) { frame in
        _ = try? KafkaRequest(frame: frame)
    }
}

private func fuzzResponse(_ input: ByteBuffer) {
    var buffer = input
    guard let index: UInt8 = buffer.readInteger(), let version: Int16 = buffer.readInteger() else { return }
    let apis = KafkaAPIKey.allCases
    let api = apis[Int(index) % apis.count]
    _ = try? KafkaResponse(frame: buffer, apiKey: api, version: version)
}
