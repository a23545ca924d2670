import type * as QrModuleType from 'qrcode';
import { useEffect, useState } from 'react';

type QrModule = typeof QrModuleType;

/**
 * A QR code of `value` (an `otpauth://` URI for an authenticator app), drawn in the browser: the
 * secret never goes to a third-party image service. The encoder loads only when a code is shown,
 * so it adds nothing to the first page.
 */
export function QrCode({ value, label, size_px = 200 }: { value: string; label: string; size_px?: number }) {
  const [src, setSrc] = useState<string | undefined>();
  useEffect(() => {
    let current = true;
    void import('qrcode').then(async (mod: QrModule & { default?: QrModule }) => {
      const url = await (mod.default ?? mod).toDataURL(value, { margin: 1, width: size_px, errorCorrectionLevel: 'M' });
      if (current) setSrc(url);
    });
    return () => {
      current = false;
    };
  }, [value, size_px]);
  if (src === undefined) return <div className="qr-code" style={{ width: size_px, height: size_px }} role="img" aria-label={label} />;
  return <img className="qr-code" src={src} alt={label} width={size_px} height={size_px} />;
}
