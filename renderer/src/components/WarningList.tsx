/** Warnings as a list (nothing when there are none); `label` names the list for screen readers. */
export function WarningList({ warnings, label }: { warnings: readonly string[]; label?: string }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="warnings" aria-label={label}>
      {warnings.map((warning) => (
        <li key={warning}>{warning}</li>
      ))}
    </ul>
  );
}
