// A QR code of a short text, made here (nothing is sent anywhere), so a
// complaint written on the computer can be scanned and pasted on the phone
// where the chat happens. Text is encoded as UTF-8 bytes.
import qrcode from 'qrcode-generator';

/** The most UTF-8 bytes a QR code holds at error correction M (version 40). */
export const QR_MAX_BYTES = 2331;

/** The dark modules of `text`'s QR code, row by row, or `null` when it is too long. */
export function qrModules(text: string): boolean[][] | null {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length === 0 || bytes.length > QR_MAX_BYTES) return null;
  // The library reads a string one byte per character: hand it the UTF-8 bytes.
  qrcode.stringToBytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
  const code = qrcode(0, 'M');
  code.addData(String.fromCharCode(...bytes), 'Byte');
  code.make();
  const n = code.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => code.isDark(r, c)));
}

/** How many UTF-8 bytes `text` takes (what the QR code's limit counts). */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
