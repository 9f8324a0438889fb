import { Code } from "@mantine/core";

/** A library description, its `quoted` names (events, traits, parameters) shown as code. */
export function TemplateText({ text }: { text: string }) {
  return (
    <>
      {text.split("`").map((part, index) =>
        index % 2 === 1 ? (
          <Code key={index} fz="inherit">
            {part}
          </Code>
        ) : (
          part
        ),
      )}
    </>
  );
}
