export { startMessagesApiStub, type MessagesApiStub, type MessagesApiStubOptions, type RecordedRequest } from "./stub-server.js";
export { behaviours, type StubBehaviour, type MalformedShape, type StubUsage } from "./behaviours.js";
