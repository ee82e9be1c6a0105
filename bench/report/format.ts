/** Number formats shared by the tables. */
export const ms = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(2)) : '-');
export const mbps = (v: number): string => (Number.isFinite(v) ? v.toFixed(v >= 100 ? 0 : 1) : '-');
export const ratio = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');
export const percent = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : `${v.toFixed(1)}%`);
export const signedMs = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(2)} ms` : '-');

export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const abs = Math.abs(v);
  if (abs >= 2 ** 30) return `${(v / 2 ** 30).toFixed(1)} GiB`;
  if (abs >= 2 ** 20) return `${(v / 2 ** 20).toFixed(abs >= 100 * 2 ** 20 ? 0 : 1)} MiB`;
  if (abs >= 1024) return `${(v / 1024).toFixed(abs >= 100 * 1024 ? 0 : 1)} KiB`;
  return `${v.toFixed(0)} B`;
}

/** Per-unit memory from the difference of two RSS readings: below the noise of one reading it says so. */
export function perUnit(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return v <= 0 ? '~0 (noise)' : bytes(v);
}

export function seconds(msValue: number | null): string {
  return msValue === null || !Number.isFinite(msValue) ? 'not all' : `${(msValue / 1000).toFixed(2)} s`;
}
