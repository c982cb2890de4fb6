import type { JobSummary } from '../../../../shared/types/jobs';
import { useJobsStore } from '../../stores/jobs-store';
import { ProgressBar } from '../ProgressBar';

/** The state of one job: a progress bar with Cancel while it runs, then how it ended. */
export function JobProgress({
  jobId,
  label,
  succeeded,
  cancelled = 'Cancelled.',
  onCancel,
}: {
  jobId: string | undefined;
  label: string;
  succeeded: string;
  cancelled?: string;
  onCancel?: (jobId: string) => void;
}) {
  const job: JobSummary | undefined = useJobsStore((state) => (jobId ? state.jobs[jobId] : undefined));
  if (!jobId) return null;
  if (!job || job.status === 'running') {
    return (
      <div className="job-progress">
        <ProgressBar progress={job?.progress ?? null} label={label} />
        {onCancel && (
          <button type="button" className="button secondary" onClick={() => onCancel(jobId)}>
            Cancel
          </button>
        )}
      </div>
    );
  }
  if (job.status === 'succeeded') {
    return (
      <p className="ok-text" role="status">
        {succeeded}
      </p>
    );
  }
  if (job.status === 'cancelled') {
    return (
      <p className="muted" role="status">
        {cancelled}
      </p>
    );
  }
  return (
    <div className="field-error" role="alert">
      <p>
        {job.error?.message ?? 'It failed.'} {job.error?.hint ?? ''}
      </p>
    </div>
  );
}
