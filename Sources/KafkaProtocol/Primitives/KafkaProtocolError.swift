import NIOCore

/// An error found while decoding or encoding Kafka wire data.
///
/// Every error carries what went wrong (`kind`), where in the input (`offset`, the
/// reader index at the point of failure) and, once the error has travelled up
/// through a message or batch decoder, which API key and version or which batch
/// was being read. Decoders never trap on bad input: they throw one of these.
public struct KafkaProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The input ended before a field of `needed` bytes could be read.
        case truncated(needed: Int)
        /// A length prefix is negative (and not the null marker) or larger than what is left.
        case invalidLength(Int64)
        /// A varint runs past its maximum width.
        case malformedVarint
        /// A string field is not valid UTF-8.
        case invalidUTF8
        /// A null was found where this version does not allow one.
        case unexpectedNull(field: String)
        /// The API key is not one this codec knows.
        case unknownAPIKey(Int16)
        /// The version is outside what this codec supports for the API key.
        case unsupportedVersion(apiKey: Int16, version: Int16)
        /// Bytes were left over after a frame, struct or tagged field was fully decoded.
        case trailingBytes(Int)
        /// A frame's size prefix is negative or above the configured maximum.
        case frameTooLarge(size: Int64, maximum: Int)
        /// A record batch with magic 0 or 1 (legacy message set), which Kafka 4.0 no longer accepts.
        case unsupportedMagic(Int8)
        /// A record batch header or record is inconsistent; the message says how.
        case corruptBatch(String)
        /// A record batch's CRC-32C does not match its contents.
        case crcMismatch(stored: UInt32, computed: UInt32)
        /// Compressed data could not be decompressed, or would exceed the size limit.
        case compression(codec: String, message: String)
        /// A value cannot be represented in the wire format (for example a string too long for an int16 length).
        case unencodable(String)
    }

    public var kind: Kind
    /// Reader index in the buffer being decoded when the error was found, if known.
    public var offset: Int?
    /// The API key of the message being decoded, once known.
    public var apiKey: Int16?
    /// The version of the message being decoded, once known.
    public var apiVersion: Int16?
    /// The base offset of the record batch being decoded, once known.
    public var batchBaseOffset: Int64?
    /// A short path to the field being decoded (for example `ProduceRequest.TopicData`).
    public var field: String?

    public init(
        _ kind: Kind, offset: Int? = nil, apiKey: Int16? = nil, apiVersion: Int16? = nil,
        batchBaseOffset: Int64? = nil, field: String? = nil
    ) {
        self.kind = kind
        self.offset = offset
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.batchBaseOffset = batchBaseOffset
        self.field = field
    }

    /// The same error with the message context filled in where it is still missing.
    public func inMessage(apiKey: Int16, version: Int16) -> KafkaProtocolError {
        var copy = self
        if copy.apiKey == nil { copy.apiKey = apiKey }
        if copy.apiVersion == nil { copy.apiVersion = version }
        return copy
    }

    /// The same error with the batch context filled in where it is still missing.
    public func inBatch(baseOffset: Int64) -> KafkaProtocolError {
        var copy = self
        if copy.batchBaseOffset == nil { copy.batchBaseOffset = baseOffset }
        return copy
    }

    public var description: String {
        var text: String
        switch kind {
        case .truncated(let needed): text = "input ended early (needed \(needed) more bytes)"
        case .invalidLength(let length): text = "invalid length \(length)"
        case .malformedVarint: text = "malformed varint"
        case .invalidUTF8: text = "string is not valid UTF-8"
        case .unexpectedNull(let field): text = "null is not allowed for \(field) in this version"
        case .unknownAPIKey(let key): text = "unknown API key \(key)"
        case .unsupportedVersion(let key, let version): text = "API key \(key) version \(version) is not supported"
        case .trailingBytes(let count): text = "\(count) unexpected bytes after the end of the data"
        case .frameTooLarge(let size, let maximum): text = "frame size \(size) is outside 0...\(maximum)"
        case .unsupportedMagic(let magic):
            text = "record batch magic \(magic) (legacy message set) is not supported; only magic 2 is"
        case .corruptBatch(let message): text = "corrupt record batch: \(message)"
        case .crcMismatch(let stored, let computed):
            text = "record batch CRC mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16)))"
        case .compression(let codec, let message): text = "\(codec): \(message)"
        case .unencodable(let message): text = "cannot encode: \(message)"
        }
        var context: [String] = []
        if let apiKey { context.append("api key \(apiKey)") }
        if let apiVersion { context.append("version \(apiVersion)") }
        if let field { context.append("field \(field)") }
        if let batchBaseOffset { context.append("batch at offset \(batchBaseOffset)") }
        if let offset { context.append("byte \(offset)") }
        if !context.isEmpty { text += " [" + context.joined(separator: ", ") + "]" }
        return text
    }
}
