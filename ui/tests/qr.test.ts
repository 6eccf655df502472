import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/svelte';
import jsQR from 'jsqr';
import { QR_MAX_BYTES, qrModules } from '$lib/qr';
import { exampleResult, renderApp } from './helpers';

/** Reads a QR code back the way a phone does: from pixels. */
function decode(modules: boolean[][]): string | null {
  const scale = 4;
  const quiet = 4;
  const n = modules.length;
  const size = (n + 2 * quiet) * scale;
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++)
      if (modules[r][c])
        for (let y = 0; y < scale; y++)
          for (let x = 0; x < scale; x++) {
            const i = (((r + quiet) * scale + y) * size + (c + quiet) * scale + x) * 4;
            pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
          }
  const found = jsQR(pixels, size, size);
  return found ? new TextDecoder().decode(new Uint8Array(found.binaryData)) : null;
}

describe('the QR code of a complaint', () => {
  it('carries the Chinese text exactly, as UTF-8', () => {
    const text = '您好，我的DOU+ 推广订单付款成功但没有到账，订单号：7439201234567890123，金额：200.00 元。';
    const modules = qrModules(text)!;
    expect((modules.length - 17) % 4, 'a real QR size: 17 + 4 × version').toBe(0);
    expect(decode(modules)).toBe(text);
  });

  it('refuses a text it cannot hold', () => {
    expect(qrModules('')).toBeNull();
    expect(qrModules('字'.repeat(Math.ceil(QR_MAX_BYTES / 3) + 1))).toBeNull();
  });

  it('is shown for the text in the editor, and says when it is too long', async () => {
    const { user } = await renderApp();
    await exampleResult(user, 'douyin');
    await user.click(screen.getByTestId('write-complaint'));
    const text = screen.getByTestId('complaint-text') as HTMLTextAreaElement;
    await waitFor(() => expect(text.value).not.toBe(''));
    await user.click(screen.getByTestId('qr-toggle'));
    const qr = await screen.findByTestId('qr-code');
    expect(qr).toHaveTextContent('nothing is uploaded');
    expect(Number(qr.dataset.modules)).toBeGreaterThan(21);
    await user.clear(text);
    await user.click(text);
    await user.paste('x'.repeat(QR_MAX_BYTES + 1));
    expect(await screen.findByTestId('qr-too-long')).toHaveTextContent(`${QR_MAX_BYTES + 1} of at most ${QR_MAX_BYTES} bytes`);
  });
});
