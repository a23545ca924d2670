import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

/** What every labelled field takes besides its control's own attributes. */
interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string;
  /** The label is read out but not shown (a field in a table cell, whose column says it). */
  hideLabel?: boolean;
  /** The class of the field's frame; `field` unless given. */
  fieldClassName?: string;
}

/** A labelled form field; its error, if any, is announced and tied to the input. */
export function Field({ label, error, hint, hideLabel = false, fieldClassName = 'field', children }: FieldProps & { children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode }) {
  const id = useId();
  const describedBy = [hint === undefined ? undefined : `${id}-hint`, error === undefined ? undefined : `${id}-error`].filter((x) => x !== undefined).join(' ') || undefined;
  return (
    <div className={`${fieldClassName}${error === undefined ? '' : ' field-invalid'}`}>
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
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

/** Splits a field's own props from its control's attributes. */
function split<T extends FieldProps>({ label, error, hint, hideLabel, fieldClassName, ...control }: T) {
  return { field: { label, error, ...(hint === undefined ? {} : { hint }), ...(hideLabel === undefined ? {} : { hideLabel }), ...(fieldClassName === undefined ? {} : { fieldClassName }) }, control };
}

export function TextField(props: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const { field, control } = split(props);
  return <Field {...field}>{(a11y) => <input {...control} {...a11y} />}</Field>;
}

export function SelectField(props: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const { field, control } = split(props);
  const { children, ...select } = control;
  return <Field {...field}>{(a11y) => <select {...select} {...a11y}>{children}</select>}</Field>;
}

export function TextAreaField(props: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const { field, control } = split(props);
  return <Field {...field}>{(a11y) => <textarea {...control} {...a11y} />}</Field>;
}
