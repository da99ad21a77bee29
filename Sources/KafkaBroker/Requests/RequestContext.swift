import KafkaProtocol
import Logging

/// What a handler knows about the request besides its body.
struct RequestContext: Sendable {
    /// The node the client connected to.
    let nodeID: Int32
    let header: KafkaRequestHeader
    let logger: Logger
    /// The client's address as Kafka reports it in DescribeGroups ("/127.0.0.1").
    var clientHost: String = ""
    /// Who the connection authenticated as; ACLs are checked against it.
    var principal: KafkaPrincipal = .anonymous
    /// The listener the request came in on; metadata answers with its endpoints.
    var listener: String = "PLAINTEXT"

    var version: Int16 { header.apiVersion }
}
