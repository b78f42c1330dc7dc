/**
 * The name and slug fields of "New page" and "New function": the slug follows the name as you
 * type until edited by hand, and is checked as the server checks it.
 */
import { useState } from "react";
import { ApiError } from "../api/client";
import { slugProblem, slugify } from "../slug";

export interface NameAndSlug {
  name: string;
  setName: (name: string) => void;
  /** The slug to send: derived from the name until the user edits it. */
  slug: string;
  editSlug: (slug: string) => void;
  nameProblem: string | null;
  slugProblem: string | null;
  reset: () => void;
}

export function useNameAndSlug(): NameAndSlug {
  const [name, setName] = useState("");
  const [edited, setEdited] = useState<string | null>(null);
  const slug = edited ?? slugify(name);
  return {
    name,
    setName,
    slug,
    editSlug: setEdited,
    nameProblem: name.trim() === "" ? "A name is needed." : null,
    slugProblem: slugProblem(slug),
    reset: () => {
      setName("");
      setEdited(null);
    },
  };
}

export function NameAndSlugFields({
  fields,
  touched,
  error,
  id,
  namePlaceholder,
  slugPrefix,
  slugHelp,
}: {
  fields: NameAndSlug;
  /** The form was submitted once: empty fields show their problem too. */
  touched: boolean;
  /** The create call's error: a 409 is the slug being taken, shown under the slug. */
  error: unknown;
  id: string;
  namePlaceholder: string;
  slugPrefix: string;
  slugHelp: string;
}) {
  const taken = error instanceof ApiError && error.status === 409 ? error.message : null;
  const slugShown = (fields.slug !== "" || touched) && fields.slugProblem !== null;
  return (
    <>
      <label className="field">
        <span>Name</span>
        <input
          autoFocus
          value={fields.name}
          maxLength={200}
          onChange={(e) => fields.setName(e.target.value)}
          aria-invalid={touched && fields.nameProblem !== null}
          placeholder={namePlaceholder}
        />
        {touched && fields.nameProblem ? <small className="field-error">{fields.nameProblem}</small> : null}
      </label>
      <label className="field">
        <span>Slug</span>
        <div className="input-prefix">
          <span className="muted mono small">{slugPrefix}</span>
          <input
            className="mono"
            value={fields.slug}
            onChange={(e) => fields.editSlug(e.target.value)}
            aria-invalid={slugShown || taken !== null}
            aria-describedby={`${id}-slug-help`}
          />
        </div>
        <small id={`${id}-slug-help`} className={slugShown || taken ? "field-error" : "muted"}>
          {slugShown ? fields.slugProblem : (taken ?? slugHelp)}
        </small>
      </label>
    </>
  );
}

/** A 409 from a create call is shown at the slug, so the form's own error line skips it. */
export function isSlugTaken(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}
