function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * An Integration Broker error document, as PeopleTools returns it for failures that happen
 * before a REST handler runs (unknown node, inactive operation, security).
 */
export function ibErrorXml(message: string, messageId = 10001): string {
  return [
    '<?xml version="1.0"?>',
    '<IBResponse type="error">',
    '  <DefaultTitle>Integration Broker Response</DefaultTitle>',
    '  <StatusCode>20</StatusCode>',
    '  <MessageSet>158</MessageSet>',
    `  <MessageID>${messageId}</MessageID>`,
    `  <DefaultMessage>${escapeXml(message)}</DefaultMessage>`,
    '  <MessageParameters></MessageParameters>',
    '</IBResponse>',
    '',
  ].join('\n');
}
