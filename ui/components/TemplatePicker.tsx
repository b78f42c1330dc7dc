/** The template choice of "New page" and "New function": a grid of cards, one radio each. */
import type { ReactNode } from "react";

export interface TemplateChoice {
  name: string;
  title: string;
  description: string;
}

export function TemplatePicker({
  group,
  templates,
  chosen,
  onChoose,
  children,
}: {
  /** The radio group's name, unique on the screen. */
  group: string;
  templates: TemplateChoice[];
  chosen: string;
  onChoose: (name: string) => void;
  /** Shown above the grid: loading or error lines. */
  children?: ReactNode;
}) {
  return (
    <fieldset className="field templates">
      <legend>Template</legend>
      {children}
      <div className="template-grid">
        {templates.map((t) => (
          <label key={t.name} className={t.name === chosen ? "template template-chosen" : "template"}>
            <input type="radio" name={group} value={t.name} checked={t.name === chosen} onChange={() => onChoose(t.name)} />
            <span className="template-title">{t.title}</span>
            <span className="template-description muted small">{t.description}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
