// Destructive actions ask twice, inline: browser confirm() dialogs block automation and are easy to
// click through.
import { useEffect, useState } from 'preact/hooks';

export function ConfirmButton(props: { label: string; confirm: string; onConfirm: () => void; testid?: string }) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), 5000);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button
      type="button"
      class={armed ? 'danger armed' : 'danger subtle'}
      data-testid={props.testid}
      onClick={() => {
        if (armed) {
          setArmed(false);
          props.onConfirm();
        } else setArmed(true);
      }}
    >
      {armed ? props.confirm : props.label}
    </button>
  );
}
