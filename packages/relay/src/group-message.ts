import type { ProtoParts } from '@remote-agent/transport';
import type { GroupPayload } from './client-message.js';
import { jsonGroupBody } from './json-protocol.js';
import { protobufGroupBody } from './protobuf-protocol.js';

/**
 * One sendToGroup on its way to the group's members. The body of each wire format is built the first time
 * a member of that format needs it, then reused for every other one: converting the payload is paid once
 * per format per send, never per recipient, and not at all for a format no member speaks. The protobuf body
 * stays unjoined, so its payload is copied once per recipient, straight into that recipient's frame.
 */
export class GroupMessage {
  private json: readonly Buffer[] | undefined;
  private protobuf: ProtoParts | undefined;

  constructor(
    readonly group: string,
    readonly payload: GroupPayload,
    readonly fromUserId: string | null,
  ) {}

  /** The JSON message without its opening brace (see jsonGroupBody). */
  jsonBody(): readonly Buffer[] {
    return (this.json ??= jsonGroupBody(this.group, this.payload, this.fromUserId));
  }

  /** The DataMessage fields before the sequence id (see protobufGroupBody). */
  protobufBody(): ProtoParts {
    return (this.protobuf ??= protobufGroupBody(this.group, this.payload));
  }
}
