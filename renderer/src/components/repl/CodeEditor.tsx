import { useEffect, useRef } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { keymap } from '@codemirror/view';
import { python } from '@codemirror/lang-python';

/** A Python editor (CodeMirror 6: highlighting, indentation, undo); Ctrl+S saves. */
export function CodeEditor({ path, text, onChange, onSave }: { path: string; text: string; onChange(text: string): void; onSave(): void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onSave });
  useEffect(() => {
    callbacks.current = { onChange, onSave };
  }, [onChange, onSave]);

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      doc: text,
      parent: host.current,
      extensions: [
        keymap.of([
          {
            key: 'Mod-s',
            preventDefault: true,
            run: () => {
              callbacks.current.onSave();
              return true;
            },
          },
        ]),
        basicSetup,
        python(),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) callbacks.current.onChange(update.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ 'aria-label': `Editing ${path}` }),
      ],
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // A new file opens a new editor; typing does not re-create it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path]);

  return <div className="code-editor" ref={host} />;
}
