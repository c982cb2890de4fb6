import { CHIP_DISPLAY_NAMES } from '../../../../shared/types/chips';
import { formatBytes } from '../../../../shared/format';
import { useBackupsStore } from '../../stores/backups-store';
import { formatDate } from './format-date';

/** Every board Kiln has seen, by MAC: when, and what was last backed up from it or written to it. */
export function BoardHistoryTable() {
  const history = useBackupsStore((state) => state.history);
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">Boards Kiln has seen</h2>
      {history.length === 0 ? (
        <p className="muted">None yet. Every board you connect is remembered here by its MAC address.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">MAC address</th>
                <th scope="col">Board</th>
                <th scope="col">Last seen</th>
                <th scope="col">Last backup</th>
                <th scope="col">Last written</th>
              </tr>
            </thead>
            <tbody>
              {history.map((record) => (
                <tr key={record.mac}>
                  <td className="mono">{record.mac}</td>
                  <td>
                    {CHIP_DISPLAY_NAMES[record.chip]}
                    {record.flashSizeBytes !== null ? `, ${formatBytes(record.flashSizeBytes)}` : ''}
                  </td>
                  <td>{formatDate(record.lastSeenAt)}</td>
                  <td>{record.lastBackup ? `${formatDate(record.lastBackup.at)} · “${record.lastBackup.label}”` : 'Never'}</td>
                  <td>{record.lastFlash ? `${formatDate(record.lastFlash.at)} · ${record.lastFlash.what}` : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
