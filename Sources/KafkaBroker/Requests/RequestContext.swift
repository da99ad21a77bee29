import KafkaProtocol
import Logging

/// What a handler knows about the request besides its body.
struct RequestContext: Sendable {
    /// The node the client connected to.
    let nodeID: Int32
    let header: KafkaRequestHeader
    let logger: Logger

    var version: Int16 { header.apiVersion }
}
