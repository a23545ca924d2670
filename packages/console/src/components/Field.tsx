import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

/** A labelled form field; its error, if any, is announced and tied to the input. */
export function Field({ label, error, hint, children }: { label: string; error?: string | undefined; hint?: string; children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode }) {
  const id = useId();
  const describedBy = [hint === undefined ? undefined : `${id}-hint`, error === undefined ? undefined : `${id}-error`].filter((x) => x !== undefined).join(' ') || undefined;
  return (
    <div className={`field${error === undefined ? '' : ' field-invalid'}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error !== undefined, 'aria-describedby': describedBy })}
      {hint !== undefined && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error !== undefined && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export function TextField({ label, error, hint, ...input }: { label: string; error?: string | undefined; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return <Field label={label} error={error} {...(hint === undefined ? {} : { hint })}>{(a11y) => <input {...input} {...a11y} />}</Field>;
}

export function SelectField({ label, error, children, ...select }: { label: string; error?: string | undefined } & SelectHTMLAttributes<HTMLSelectElement>) {
  return <Field label={label} error={error}>{(a11y) => <select {...select} {...a11y}>{children}</select>}</Field>;
}

export function TextAreaField({ label, error, ...area }: { label: string; error?: string | undefined } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <Field label={label} error={error}>{(a11y) => <textarea {...area} {...a11y} />}</Field>;
}
