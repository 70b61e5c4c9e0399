/**
 * The JSON bytes an item takes in a BatchWriteItem request body (DynamoDB-JSON, as the SDK's JSON.stringify sends
 * it), so the packer can keep one call under BatchWriteItem's 16 MB
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html). An item's wire form can
 * be larger than its 400 KB stored size (base64 binary, escaped strings), so the budget is of these bytes.
 *
 * Pure, and here in core rather than in the run layer so the streaming reader can compute the figure while it builds
 * the item (functions/core/seed/plain-item.ts) instead of the writer walking every item once more.
 */
import type { SeedAttributeValue, SeedItem } from './attribute-value.ts';

/** UTF-8 bytes of `text` as a JSON string literal (quotes and escapes included), as the SDK's JSON.stringify sends it. */
export function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c || code === 0x08 || code === 0x0c || code === 0x0a || code === 0x0d || code === 0x09) bytes += 2;
    else if (code < 0x20) bytes += 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) bytes += 6; // a lone surrogate: JSON.stringify writes \udXXX
    else bytes += 3;
  }
  return bytes;
}

function base64Bytes(length: number): number {
  return 2 + 4 * Math.ceil(length / 3);
}

/** JSON bytes of one attribute value in DynamoDB-JSON (`{"S":"..."}`), as sent in a request. */
export function valueWireBytes(value: SeedAttributeValue): number {
  // 2 for the braces, the type name in quotes and a colon.
  if ('S' in value) return 6 + jsonStringBytes(value.S);
  if ('N' in value) return 6 + value.N.length + 2;
  if ('B' in value) return 6 + base64Bytes(value.B.length);
  if ('BOOL' in value) return 9 + (value.BOOL ? 4 : 5);
  if ('NULL' in value) return 9 + 4;
  if ('L' in value) {
    let bytes = 6 + 2 + Math.max(0, value.L.length - 1);
    for (const element of value.L) bytes += valueWireBytes(element);
    return bytes;
  }
  if ('M' in value) return 6 + itemWireBytes(value.M);
  if ('SS' in value) return 7 + 2 + Math.max(0, value.SS.length - 1) + value.SS.reduce((sum, element) => sum + jsonStringBytes(element), 0);
  if ('NS' in value) return 7 + 2 + Math.max(0, value.NS.length - 1) + value.NS.reduce((sum, element) => sum + element.length + 2, 0);
  return 7 + 2 + Math.max(0, value.BS.length - 1) + value.BS.reduce((sum, element) => sum + base64Bytes(element.length), 0);
}

/** JSON bytes of an item's attribute map (`{"name":{...},...}`). */
export function itemWireBytes(item: SeedItem): number {
  let bytes = 2;
  let first = true;
  for (const name in item) {
    bytes += (first ? 0 : 1) + jsonStringBytes(name) + 1 + valueWireBytes(item[name]!);
    first = false;
  }
  return bytes;
}

/** The bytes around an item's attribute map in a BatchWriteItem body: `{"PutRequest":{"Item":...}}` and its comma. */
export const PUT_REQUEST_OVERHEAD_BYTES = '{"PutRequest":{"Item":}},'.length;

/** JSON bytes one item adds to a BatchWriteItem body: `{"PutRequest":{"Item":...}}` plus its comma. */
export function putRequestWireBytes(item: SeedItem): number {
  return PUT_REQUEST_OVERHEAD_BYTES + itemWireBytes(item);
}
