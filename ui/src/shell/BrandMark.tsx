/** Baton's mark: the favicon's baton, drawn inline so it needs no request. */
export function BrandMark({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="var(--mantine-color-indigo-7)" />
      <path d="M9 23 23 9" stroke="#fff" strokeWidth="4" strokeLinecap="round" />
      <circle cx="23" cy="9" r="3.5" fill="#fff" />
    </svg>
  );
}
