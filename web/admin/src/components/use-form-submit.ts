// The submit cycle of the console's forms: show the local problems, or run the change with the form busy
// and put a refusal next to the field it names (formErrors), else above the buttons.
import { useState } from 'preact/hooks';
import { formErrors, type FormErrors } from './form.js';

export function useFormSubmit(fields: readonly string[]) {
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  /** `entityId`: the entity a refusal's field path starts with (formErrors strips it). */
  const submit = async (local: FormErrors, entityId: string | undefined, action: () => Promise<void>): Promise<void> => {
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await action();
    } catch (err) {
      setErrors(formErrors(err, entityId, fields));
    } finally {
      setBusy(false);
    }
  };
  return { errors, setErrors, busy, submit };
}
