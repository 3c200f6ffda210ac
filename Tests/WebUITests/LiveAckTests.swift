// A live video player's acknowledgement, `{"type":"ack","bytes":N}`, comes with every fragment it
// appends: the forms players send are read without the JSON decoder, and read the same as with it.
import XCTest

@testable import WebUI

final class LiveAckTests: XCTestCase {
  func testTheFormsPlayersSendAreReadByHandAndAgreeWithTheDecoder() {
    let sent = [
      #"{"type":"ack","bytes":123456}"#,  // JSON.stringify
      #"{"type": "ack", "bytes": 7}"#,  // Python's json.dumps
      #"{"bytes":0,"type":"ack"}"#,
    ]
    for text in sent {
      XCTAssertNotNil(LiveVideoRoutes.plainAcknowledgedBytes(text), text)
      XCTAssertEqual(
        LiveVideoRoutes.plainAcknowledgedBytes(text),
        LiveVideoRoutes.decodedAcknowledgedBytes(text), text)
    }
    XCTAssertEqual(LiveVideoRoutes.acknowledgedBytes(#"{"type":"ack","bytes":123456}"#), 123_456)
    // Other keys: the decoder's business; not an ack, or a broken one: nothing.
    XCTAssertEqual(
      LiveVideoRoutes.acknowledgedBytes(#"{"type":"ack","bytes":5,"at":1}"#), 5)
    for text in [
      #"{"type":"nack","bytes":5}"#, #"{"type":"ack","bytes":"5"}"#,
      #"{"type":"ack"}"#, "ack",
    ] {
      XCTAssertNil(LiveVideoRoutes.acknowledgedBytes(text), text)
    }
  }
}
