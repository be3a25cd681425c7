import { useCallback, useEffect, useRef, useState, type DependencyList, type ReactNode } from 'react';
import { api, messageOf, type Page } from './api.js';
import { Spinner } from './components.js';
import { useI18n } from './i18n/index.js';

export interface Pages<T> {
  /** The rows so far, or null while the first page loads. */
  readonly items: T[] | null;
  readonly next: string | null;
  readonly error: string | null;
  /** Appends the next page. */
  more(): Promise<void>;
  /** Starts again from the first page. */
  reload(): void;
}

/**
 * A cursor-paged list from the API (`{data, nextCursor}`): the first page when `deps` change, the next
 * one on demand. `url(cursor)` builds the request for a page.
 */
export function usePages<T>(url: (cursor: string | null) => string, deps: DependencyList): Pages<T> {
  const [items, setItems] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const urlRef = useRef(url);
  urlRef.current = url;

  useEffect(() => {
    const abort = new AbortController();
    setItems(null);
    fetchPage<T>(urlRef.current(null), abort.signal).then(
      (page) => {
        setItems(page.data);
        setNext(page.nextCursor);
        setError(null);
      },
      (e: unknown) => !abort.signal.aborted && setError(messageOf(e)),
    );
    return () => abort.abort();
  }, [...deps, round]);

  const more = useCallback(async () => {
    if (next === null) return;
    try {
      const page = await fetchPage<T>(urlRef.current(next));
      setItems((rows) => [...(rows ?? []), ...page.data]);
      setNext(page.nextCursor);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [next]);

  return { items, next, error, more, reload: useCallback(() => setRound((r) => r + 1), []) };
}

function fetchPage<T>(url: string, signal?: AbortSignal): Promise<Page<T>> {
  return api<Page<T>>('GET', url, signal === undefined ? {} : { signal });
}

/** The "load more" button under a paged list; nothing when there is no next page. */
export function LoadMore({ pages }: { pages: Pick<Pages<unknown>, 'next' | 'more'> }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  if (pages.next === null) return null;
  return (
    <div className="more">
      <button
        type="button"
        className="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void pages.more().finally(() => setBusy(false));
        }}
      >
        {t('common.loadMore')}
      </button>
    </div>
  );
}

/**
 * A loaded list's rows: a spinner while they load (nothing once loading failed: the caller shows the
 * error), `empty` when there are none, else `children(items)`.
 */
export function LoadedList<T>({ list, empty, children }: { list: Pick<Pages<T>, 'items' | 'error'>; empty: ReactNode; children: (items: T[]) => ReactNode }) {
  const { t } = useI18n();
  if (list.items === null) return list.error === null ? <Spinner label={t('common.loading')} /> : null;
  return list.items.length === 0 ? empty : children(list.items);
}
