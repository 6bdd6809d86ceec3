/**
 * A QR code as terminal text: qrcode-terminal's small mode (two modules per
 * character cell with half blocks ▀ ▄ █), error correction level L — the
 * smallest code, fine on a screen. Plain characters, no escape sequences, so
 * it also survives a log file or an SSH session without colours.
 *
 * Small mode draws light modules as blocks: it reads as a normal code on a
 * dark terminal and as an inverted one on a light terminal (phone cameras
 * read both).
 */
export async function renderQr(text: string, indent = '  '): Promise<string> {
  const { default: qrcode } = await import('qrcode-terminal');
  return new Promise((resolve) => {
    qrcode.generate(text, { small: true }, (code) => {
      resolve(
        code
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => indent + line)
          .join('\n'),
      );
    });
  });
}
